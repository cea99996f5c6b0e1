import { startMosquitto, waitUntil, type TestMosquitto } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { customerMessage, listenMqtt, subscribeWith } from './support/families';

const CONTACT = { name: 'mqtt team', email: 'mqtt@example.com' };

/**
 * The MQTT channel against real Mosquitto brokers of the test's own: the
 * connect handshake, QoS 1 publishes on the seed's topics, credentials kept
 * apart, failures classified and retried like HTTP, the SSRF guard.
 */
describe('MQTT channel', () => {
  let bus: TestBus;
  let open: TestMosquitto;
  let guarded: TestMosquitto;

  beforeAll(async () => {
    open = await startMosquitto();
    guarded = await startMosquitto({ users: { orderbus: 's3cret' } });
    bus = await startBus({ env: { ORDERBUS_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms,200ms', ORDERBUS_RETRY_JITTER: '0' } });
  });

  afterAll(async () => {
    await bus?.close();
    await open?.stop();
    await guarded?.stop();
  });

  it('registers without a callbackUrl, enables after the broker acknowledged the connect message, and delivers work-order events on orderbus/{baseCode}/{dataArea}', async () => {
    const connect = await listenMqtt(open.url, 'orderbus/MQWO/#');
    try {
      const put = await bus.admin('PUT', '/v1/subscriptions/MQWO', { channel: { type: 'mqtt', url: open.url }, contact: CONTACT });
      expect(put.status).toBe(201);
      expect(put.body).toMatchObject({ callbackUrl: open.url, channel: { type: 'mqtt', url: open.url } });
      const enabled = await bus.admin('POST', '/v1/subscriptions/MQWO/enable', {});
      expect(enabled.status).toBe(200);
      const [hello] = await connect.waitFor(1, (m) => m.topic === 'orderbus/MQWO/connect');
      expect(hello!.body).toMatchObject({ baseCode: 'MQWO', baseInfo: { topic: 'connect' } });

      const sent = await bus.send({
        eventId: 'mq-wo-1',
        dataArea: 'fwwt',
        changeId: 4,
        data: { serviceOrderId: 'SO-1', serviceOrderCode: 'C1', templateId: 't', busiTypeId: 'b', organId: 'o', evalue: '5', evaluator: 'e', evaluateTime: '20240102030405' },
      });
      expect(sent.body.queuedFor).toBe(1);
      const [message] = await connect.waitFor(1, (m) => m.topic === 'orderbus/MQWO/fwwt');
      // The payload is what an HTTP callback would have been POSTed.
      expect(message!.body).toEqual(expect.objectContaining({ eventId: 'mq-wo-1', baseCode: 'MQWO', dataArea: 'fwwt', changeId: '4', data: expect.objectContaining({ serviceOrderId: 'SO-1' }) }));
    } finally {
      await connect.close();
    }
  });

  it('logs in with the channel credentials, which are never shown; a wrong password is mqtt_refused, retried, then delivered once fixed', async () => {
    const listener = await listenMqttAs(guarded, 'acme/#');
    try {
      const refusedEnable = await bus.admin('PUT', '/v1/subscriptions/MQAUTH', {
        channel: { type: 'mqtt', url: guarded.url, username: 'orderbus', password: 'wrong', tenant: 'acme' },
        scope: { events: ['customer.*'] },
        contact: CONTACT,
      });
      expect(refusedEnable.status).toBe(201);
      expect(JSON.stringify(refusedEnable.body)).not.toContain('wrong');
      expect(refusedEnable.body.channel).toEqual({ type: 'mqtt', url: guarded.url, username: 'orderbus', hasPassword: true, tenant: 'acme' });
      const handshake = await bus.admin('POST', '/v1/subscriptions/MQAUTH/enable', {});
      expect(handshake.status).toBe(502);
      expect(handshake.body.error).toMatchObject({ code: 'handshake_failed', handshake: { ok: false, resultClass: 'mqtt_refused' } });

      // Fixed password, kept when a later PUT leaves it out.
      expect((await bus.admin('PUT', '/v1/subscriptions/MQAUTH', { channel: { type: 'mqtt', url: guarded.url, username: 'orderbus', password: 's3cret', tenant: 'acme' }, scope: { events: ['customer.*'] }, contact: CONTACT })).status).toBe(200);
      expect((await bus.admin('POST', '/v1/subscriptions/MQAUTH/enable', {})).status).toBe(200);
      expect((await bus.admin('PUT', '/v1/subscriptions/MQAUTH', { channel: { type: 'mqtt', url: guarded.url, username: 'orderbus', tenant: 'acme' }, scope: { events: ['customer.*'] }, contact: CONTACT })).status).toBe(200);
      expect((await bus.admin('GET', '/v1/subscriptions/MQAUTH')).body.channel.hasPassword).toBe(true);

      expect((await bus.send(customerMessage('add', 'c-auth', { msgId: 'mq-auth-1' }))).status).toBe(202);
      const [message] = await listener.waitFor(1, (m) => m.body?.eventId === 'mq-auth-1.add');
      expect(message!.topic).toBe('acme/proj_1001/v1-business-model-customer');
    } finally {
      await listener.close();
    }
  });

  it('retries while the broker is down (connection_refused) and delivers in order once it is back', async () => {
    const broker = await startMosquitto();
    try {
      await subscribeWith(bus, 'MQDOWN', { channel: { type: 'mqtt', url: broker.url, tenant: 't1' }, scope: { events: ['customer.*'] } });
      await broker.kill();
      expect((await bus.send(customerMessage('add', 'c-down', { msgId: 'mq-down-1' }))).status).toBe(202);
      expect((await bus.send(customerMessage('edit', 'c-down', { msgId: 'mq-down-2' }))).status).toBe(202);
      const failed = await waitUntil(async () => {
        const items = (await bus.admin('GET', '/v1/subscriptions/MQDOWN/attempts')).body.items as Array<{ resultClass: string }>;
        return items.length >= 2 ? items : undefined;
      });
      expect(failed.every((a) => a.resultClass === 'connection_refused')).toBe(true);

      await broker.start();
      const listener = await listenMqtt(broker.url, 't1/#');
      try {
        const messages = await listener.waitFor(2, (m) => String(m.body?.eventId).startsWith('mq-down-'));
        // Same customer: add before edit, although the edit was ready first after the outage.
        expect(messages.map((m) => m.body.eventId)).toEqual(['mq-down-1.add', 'mq-down-2.edit']);
      } finally {
        await listener.close();
      }
      const health = await waitUntil(async () => {
        const h = (await bus.admin('GET', '/v1/subscriptions/MQDOWN/health')).body;
        return h.consecutiveFailures === 0 && h.lastSuccessAt ? h : undefined;
      });
      expect(health.lastError.resultClass).toBe('connection_refused');
    } finally {
      await broker.stop();
    }
  });

  it('fails for good (topic_unresolved) when neither the event nor the channel names the tenant', async () => {
    await subscribeWith(bus, 'MQNOTENANT', { channel: { type: 'mqtt', url: open.url }, scope: { events: ['customer.*'] } });
    expect((await bus.send(customerMessage('delete', 'c-nt', { msgId: 'mq-nt-1' }))).status).toBe(202);
    const dead = await waitUntil(async () => {
      const items = (await bus.admin('GET', '/v1/subscriptions/MQNOTENANT/dead-letters')).body.items as Array<{ eventId: string; resultClass: string; family?: string }>;
      return items.length > 0 ? items : undefined;
    });
    expect(dead[0]).toMatchObject({ eventId: 'mq-nt-1.delete', resultClass: 'topic_unresolved', family: 'customer', type: 'delete' });
  });

  it('refuses broker URLs the SSRF guard refuses, like callback URLs', async () => {
    const internal = await bus.admin('PUT', '/v1/subscriptions/MQSSRF', { channel: { type: 'mqtt', url: 'mqtt://10.1.2.3:1883' }, contact: CONTACT });
    expect(internal.status).toBe(422);
    expect(internal.body.error.problems).toEqual([expect.objectContaining({ path: '/channel/url', code: 'broker_refused' })]);
    const metadata = await bus.admin('PUT', '/v1/subscriptions/MQSSRF', { channel: { type: 'mqtt', url: 'mqtts://169.254.169.254' }, contact: CONTACT });
    expect(metadata.status).toBe(422);
    const notMqtt = await bus.admin('PUT', '/v1/subscriptions/MQSSRF', { channel: { type: 'mqtt', url: 'http://127.0.0.1:1883' }, contact: CONTACT });
    expect(notMqtt.status).toBe(422);
    expect(notMqtt.body.error.problems[0]).toMatchObject({ path: '/channel/url', code: 'pattern' });
    const mixed = await bus.admin('PUT', '/v1/subscriptions/MQSSRF', { callbackUrl: 'http://127.0.0.1:9/x', channel: { type: 'mqtt', url: open.url }, contact: CONTACT });
    expect(mixed.status).toBe(422);
    expect(mixed.body.error.problems[0]).toMatchObject({ path: '/callbackUrl', code: 'not_allowed' });
  });
});

/** A listener logged in to a broker that refuses anonymous clients. */
async function listenMqttAs(broker: TestMosquitto, topic: string) {
  const url = new URL(broker.url);
  url.username = 'orderbus';
  url.password = 's3cret';
  return listenMqtt(url.toString(), topic);
}
