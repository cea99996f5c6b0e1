import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto, startReceiver, waitUntil, type TestMosquitto, type TestReceiver } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { ORG_ADD, customerMessage, listenMqtt, orgMessage, subscribeWith, type MqttListener } from './support/families';

const SEED_001 = join(__dirname, '..', 'packages', 'core', 'test', 'fixtures', 'seed-001');

/**
 * Event families end to end: customer (seed 000) and org (seed 001) messages
 * go through the producer, are split into one event per key, routed by
 * `scope.events`, and reach an HTTP subscriber and an MQTT subscriber
 * listening on the seed's topic with a real MQTT client.
 */
describe('event families: customer and org events', () => {
  let bus: TestBus;
  let broker: TestMosquitto;
  let http: TestReceiver;
  let workOrders: TestReceiver;
  let customerTopic: MqttListener;
  let orgTopics: MqttListener;

  beforeAll(async () => {
    broker = await startMosquitto();
    bus = await startBus({ env: { ORDERBUS_VALIDATION_MODE: 'strict' } });
    http = await startReceiver();
    workOrders = await startReceiver();
    customerTopic = await listenMqtt(broker.url, '+/+/v1-business-model-customer');
    orgTopics = await listenMqtt(broker.url, 'acme/default/#');
    await subscribeWith(bus, 'FAMHTTP', { callbackUrl: `${http.url}/cb`, scope: { events: ['customer.*', 'org.*'] } });
    await subscribeWith(bus, 'FAMMQTT', { channel: { type: 'mqtt', url: broker.url, tenant: 'acme' }, scope: { events: ['customer.add', 'org.*'] } });
    // Registered as before families existed: work-order events only.
    await subscribeWith(bus, 'WOONLY', { callbackUrl: `${workOrders.url}/cb`, scope: { dataAreas: '*', changeIds: '*' } });
  });

  afterAll(async () => {
    await customerTopic?.close();
    await orgTopics?.close();
    await bus?.close();
    await http?.close();
    await workOrders?.close();
    await broker?.stop();
  });

  it('delivers a customer event over HTTP and over MQTT on {tenant}/proj_{projectId}/v1-business-model-customer', async () => {
    const sent = await bus.send(customerMessage('add', 'cust-1', { msgId: 'msg-cust-1' }));
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ family: 'customer', msgId: 'msg-cust-1', events: [{ eventId: 'msg-cust-1.add', type: 'add', duplicate: false, queuedFor: 2 }] });

    const [post] = await http.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'msg-cust-1.add' });
    expect(post!.headers).toMatchObject({ 'x-orderbus-family': 'customer', 'x-orderbus-event-type': 'add', 'x-orderbus-base-code': 'FAMHTTP', 'webhook-id': 'msg-cust-1.add' });
    expect(post!.body).toMatchObject({
      eventId: 'msg-cust-1.add',
      msgId: 'msg-cust-1.add',
      baseCode: 'FAMHTTP',
      family: 'customer',
      type: 'add',
      profile: { poiCode: 's0140001', appType: 'customer', modelId: 140001 },
      occurredAt: new Date(1717171717171).toISOString(),
      events: { add: { eventType: 1, customerList: [{ id: 'cust-1', projectId: '1001' }] } },
    });

    // The tenant comes from the channel (a customer message names none), the project from the customers.
    const [message] = await customerTopic.waitFor(1, (m) => m.body?.eventId === 'msg-cust-1.add');
    expect(message!.topic).toBe('acme/proj_1001/v1-business-model-customer');
    expect(message!.body).toMatchObject({ baseCode: 'FAMMQTT', family: 'customer', type: 'add', events: { add: { customerList: [{ id: 'cust-1' }] } } });

    const attempts = await waitUntil(async () => {
      const res = await bus.admin('GET', '/v1/subscriptions/FAMMQTT/attempts');
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    expect(attempts[0]).toMatchObject({ eventId: 'msg-cust-1.add', outcome: 'delivered', resultClass: 'ok' });
  });

  it('splits seed 001\'s org message into one event per key and routes each by scope', async () => {
    const text = readFileSync(join(SEED_001, 'org-events.txt'), 'utf8');
    const message = JSON.parse(text) as { events: Record<string, Record<string, unknown>> };
    // The seed's delete has an empty ids placeholder, which strict mode refuses (docs/families.md): give it one.
    message.events.delete!.ids = ['org-789'];
    const sent = await bus.send({ msgId: 'msg-org-1', ...message });
    expect(sent.status).toBe(202);
    expect(sent.body.events.map((e: { eventId: string; queuedFor: number }) => [e.eventId, e.queuedFor])).toEqual([
      ['msg-org-1.add', 2],
      ['msg-org-1.update', 2],
      ['msg-org-1.delete', 2],
      ['msg-org-1.mainResponsible', 2],
      ['msg-org-1.responsible', 2],
    ]);
    const posts = await http.waitForRequests(5, { filter: (r) => String((r.body as { eventId?: string }).eventId).startsWith('msg-org-1.') });
    expect(posts.map((r) => (r.body as { type: string }).type).sort()).toEqual(['add', 'delete', 'mainResponsible', 'responsible', 'update']);
    // Events of one organisation are delivered in order (the order key is the organisation id).
    const org123 = posts.filter((r) => ['add', 'update'].includes((r.body as { type: string }).type)).map((r) => (r.body as { type: string }).type);
    expect(org123).toEqual(['add', 'update']);

    // MQTT: the entity events on the seed's enterpriseright topic, with the tenant the events name.
    const mqttMessages = await orgTopics.waitFor(5, (m) => String(m.body?.eventId).startsWith('msg-org-1.'));
    expect(new Set(mqttMessages.map((m) => m.topic))).toEqual(new Set(['acme/default/v1-business-enterpriseright-org-change']));
  });

  it('publishes the thin org change notification on {tenant}/default/v1-business-model-change-org', async () => {
    const sent = await bus.send(orgMessage({ change: { eventTs: 1709704232689, eventType: 1 } }, { msgId: 'msg-change-1', tenant: 'acme' }));
    expect(sent.status).toBe(202);
    const [message] = await orgTopics.waitFor(1, (m) => m.body?.eventId === 'msg-change-1.change');
    expect(message!.topic).toBe('acme/default/v1-business-model-change-org');
    expect(message!.body).toMatchObject({ family: 'org', type: 'change', events: { change: { eventTs: 1709704232689, eventType: 1 } } });
  });

  it('keeps work-order events for subscriptions without scope.events, and families away from them', async () => {
    const sent = await bus.send({
      events: [
        customerMessage('edit', 'cust-2', { msgId: 'msg-cust-2' }),
        {
          eventId: 'wo-fam-1',
          dataArea: 'fwwt',
          changeId: '4',
          data: { serviceOrderId: '45035', serviceOrderCode: 'C1', templateId: 't', busiTypeId: 'b', organId: 'o', evalue: '5', evaluator: 'e', evaluateTime: '20240102030405' },
        },
      ],
    });
    expect(sent.status).toBe(202);
    // One receipt per request item: the message's receipt lists its events.
    expect(sent.body.events).toEqual([
      { family: 'customer', msgId: 'msg-cust-2', events: [{ eventId: 'msg-cust-2.edit', type: 'edit', duplicate: false, queuedFor: 1 }] },
      { eventId: 'wo-fam-1', duplicate: false, queuedFor: 1 },
    ]);
    await workOrders.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'wo-fam-1' });
    await http.waitForRequests(1, { filter: (r) => (r.body as { eventId?: string }).eventId === 'msg-cust-2.edit' });
    // FAMMQTT takes customer.add only: no edit reaches its topic.
    await new Promise((r) => setTimeout(r, 300));
    expect(customerTopic.messages.some((m) => m.body?.eventId === 'msg-cust-2.edit')).toBe(false);
    const deliveries = workOrders.requests.filter((r) => (r.body as { eventId?: string }).eventId !== undefined);
    expect(deliveries.map((r) => (r.body as { eventId: string }).eventId)).toEqual(['wo-fam-1']);
  });

  it('answers a duplicate message with the same receipts and delivers nothing twice', async () => {
    const again = await bus.send(customerMessage('add', 'cust-1', { msgId: 'msg-cust-1' }));
    expect(again.status).toBe(202);
    expect(again.body.events).toEqual([{ eventId: 'msg-cust-1.add', type: 'add', duplicate: true, queuedFor: 2 }]);
    const changed = await bus.send(customerMessage('add', 'cust-9', { msgId: 'msg-cust-1' }));
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('event_conflict');
    await new Promise((r) => setTimeout(r, 300));
    expect(http.requests.filter((r) => (r.body as { eventId?: string }).eventId === 'msg-cust-1.add')).toHaveLength(1);
  });

  it('rejects a message that breaks its table with every problem located', async () => {
    const bad = customerMessage('add', 'cust-3');
    (bad.events as any).add.customerList[0].age = '年龄';
    delete (bad.events as any).add.customerList[0].phone;
    (bad.events as any).add_error = { eventType: 2 };
    const res = await bus.send(bad);
    expect(res.status).toBe(422);
    expect(res.body.error.problems.map((p: { code: string; path: string }) => `${p.code} ${p.path}`).sort()).toEqual(
      ['format /events/add/customerList/0/age', 'required /events/add/customerList/0/phone', 'unknown_event_type /events/add_error'].sort(),
    );
    const unknownFamily = await bus.send({ profile: { poiCode: 'x', appType: 'parking', modelId: 1 }, events: { add: {} } });
    expect(unknownFamily.status).toBe(422);
    expect(unknownFamily.body.error.problems).toEqual([expect.objectContaining({ code: 'unknown_family', path: '/profile/appType' })]);
  });

  it('validates scope.events against the catalogue', async () => {
    const res = await bus.admin('PUT', '/v1/subscriptions/BADSCOPE', {
      callbackUrl: `${http.url}/x`,
      contact: { name: 'x', email: 'x@example.com' },
      scope: { events: ['customer.add', 'customer.create', 'parking.*', 'org.*'] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.problems.map((p: { code: string; path: string }) => `${p.code} ${p.path}`)).toEqual([
      'unknown_event_type /scope/events/1',
      'unknown_event_type /scope/events/2',
    ]);
    expect(res.body.error.problems[0].message).toContain('known: add, edit, delete');
    await waitUntil(async () => (await bus.admin('GET', '/v1/subscriptions/BADSCOPE')).status === 404);
  });
});
