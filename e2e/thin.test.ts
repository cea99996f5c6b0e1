import { Queue } from 'bullmq';
import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { deliveryJobId, subscriptionQueueName } from '@orderbus/queues';
import { startBus, type TestBus } from './support/bus';
import { customerMessage, orgMessage, ownerCredential, subscribeWith } from './support/families';

/**
 * Thin mode (seed 001's "notify, then pull"): a thin subscription gets
 * `{eventId, family, type, key, occurredAt}` and fetches the event with
 * `GET /v1/events/:eventId` and its registration credential — only events
 * its own subscription was queued, also after the delivered job is gone.
 */
describe('thin deliveries and the pull', () => {
  let bus: TestBus;
  let thin: TestReceiver;
  let other: TestReceiver;
  let thinCredential: string;
  let otherCredential: string;

  const pull = async (eventId: string, credential: string) => {
    const res = await fetch(`${bus.adminUrl}/v1/events/${eventId}`, { headers: { authorization: `Bearer ${credential}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    bus = await startBus();
    thin = await startReceiver();
    other = await startReceiver();
    await subscribeWith(bus, 'THINRCV', { callbackUrl: `${thin.url}/cb`, payload: 'thin', scope: { events: ['customer.*', 'workorder.*'] } });
    await subscribeWith(bus, 'OTHERRCV', { callbackUrl: `${other.url}/cb`, scope: { events: ['org.*'] } });
    thinCredential = await ownerCredential(bus, 'THINRCV');
    otherCredential = await ownerCredential(bus, 'OTHERRCV');
  });

  afterAll(async () => {
    await bus?.close();
    await thin?.close();
    await other?.close();
  });

  it('delivers a thin notification, then the receiver pulls the full event with its credential', async () => {
    expect((await bus.admin('GET', '/v1/subscriptions/THINRCV')).body.payload).toBe('thin');
    const sent = await bus.send(customerMessage('add', 'cust-thin-1', { msgId: 'thin-1' }));
    expect(sent.status).toBe(202);
    const [notification] = await thin.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'thin-1.add' });
    expect(notification!.body).toEqual({ eventId: 'thin-1.add', family: 'customer', type: 'add', key: 'cust-thin-1', occurredAt: new Date(1717171717171).toISOString() });
    expect(notification!.headers).toMatchObject({ 'x-orderbus-payload': 'thin', 'x-orderbus-family': 'customer', 'x-orderbus-base-code': 'THINRCV' });
    expect(notification!.headers['webhook-signature']).toMatch(/^v1,/);

    const pulled = await pull('thin-1.add', thinCredential);
    expect(pulled.status).toBe(200);
    expect(pulled.body).toMatchObject({
      eventId: 'thin-1.add',
      baseCode: 'THINRCV',
      family: 'customer',
      type: 'add',
      events: { add: { customerList: [{ id: 'cust-thin-1', name: '张三' }] } },
    });
  });

  it('thin work-order events carry the work order as key, and pull as the push envelope', async () => {
    const sent = await bus.send({
      eventId: 'thin-wo-1',
      dataArea: 'fwwt',
      changeId: 4,
      data: { serviceOrderId: 'SO-77', serviceOrderCode: 'C1', templateId: 't', busiTypeId: 'b', organId: 'o', evalue: '5', evaluator: 'e', evaluateTime: '20240102030405' },
    });
    expect(sent.status).toBe(202);
    const [notification] = await thin.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'thin-wo-1' });
    expect(notification!.body).toMatchObject({ eventId: 'thin-wo-1', family: 'workorder', type: 'order.evaluated', key: 'SO-77' });
    const pulled = await pull('thin-wo-1', thinCredential);
    expect(pulled.body).toMatchObject({ eventId: 'thin-wo-1', baseCode: 'THINRCV', dataArea: 'fwwt', changeId: '4', data: { serviceOrderId: 'SO-77' } });
  });

  it('refuses a pull of an event the receiver was not queued (404), whoever else has it', async () => {
    const sent = await bus.send(orgMessage({ change: { eventTs: 1709704232689, eventType: 1 } }, { msgId: 'thin-org-1' }));
    expect(sent.body.events[0].queuedFor).toBe(1);
    await other.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'thin-org-1.change' });

    const refused = await pull('thin-org-1.change', thinCredential);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');
    // The event exists (the admin sees it) and the other receiver may pull its own copy.
    expect((await bus.admin('GET', '/v1/events/thin-org-1.change')).status).toBe(200);
    expect((await pull('thin-org-1.change', otherCredential)).status).toBe(200);
    // Nor does a credential reach another subscription's data through the admin routes.
    const res = await fetch(`${bus.adminUrl}/v1/subscriptions/OTHERRCV/attempts`, { headers: { authorization: `Bearer ${thinCredential}` } });
    expect(res.status).toBe(403);
    expect((await pull('no-such-event', thinCredential)).status).toBe(404);
  });

  it('keeps the event pullable after its delivered job is removed', async () => {
    const sent = await bus.send(customerMessage('delete', 'cust-thin-2', { msgId: 'thin-2' }));
    expect(sent.status).toBe(202);
    await thin.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'thin-2.delete' });
    const queue = new Queue(subscriptionQueueName('THINRCV'), { connection: bus.redisClient(), prefix: bus.prefix });
    try {
      await waitUntil(async () => (await queue.getJobState(deliveryJobId('thin-2.delete'))) === 'completed');
      // What removeOnComplete does after an hour.
      await (await queue.getJob(deliveryJobId('thin-2.delete')))!.remove();
      expect(await queue.getJob(deliveryJobId('thin-2.delete'))).toBeUndefined();
    } finally {
      await queue.close();
    }
    const pulled = await pull('thin-2.delete', thinCredential);
    expect(pulled.status).toBe(200);
    expect(pulled.body).toMatchObject({ eventId: 'thin-2.delete', type: 'delete', events: { delete: { customerList: [{ id: 'cust-thin-2' }] } } });
    // The record expires with the retention (ORDERBUS_THIN_EVENTS_TTL_MS, 7 days by default).
    const ttl = await bus.redisClient().pttl(`${bus.prefix}:${subscriptionQueueName('THINRCV')}:pull:thin-2.delete`);
    expect(ttl).toBeGreaterThan(6 * 24 * 3600 * 1000);
  });
});
