import { startReceiver, type TestReceiver } from '@orderbus/testkit';
import { VIEWER_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';

describe('admin API: events by id and by work order', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  beforeAll(async () => {
    bus = await startBus();
    receiver = await startReceiver();
    await bus.subscribe('EVA', receiver.url);
    await bus.subscribe('EVB', receiver.url, { changeIds: [1] });
    await bus.waitForWorkers(['EVA', 'EVB']);
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  it('finds the events of a work order in acceptance order, with the event and its deliveries', async () => {
    const order = 'ev-order-1';
    const events = [workOrderEvent({ changeId: 1, serviceOrderId: order }), workOrderEvent({ changeId: 5, serviceOrderId: order }), workOrderEvent({ changeId: 2, serviceOrderId: order })];
    for (const e of events) expect((await bus.send(e)).status).toBe(202);
    await bus.send(workOrderEvent({ serviceOrderId: 'another-order' }));
    await receiver.waitForRequests(4, { filter: (r) => events.some((e) => e.eventId === r.headers['x-orderbus-event-id']) });

    const first = await bus.admin('GET', `/v1/events?serviceOrderId=${order}&limit=2`, undefined, VIEWER_TOKEN);
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([events[0]!.eventId, events[1]!.eventId]);
    expect(first.body.items[0].event).toMatchObject({ eventId: events[0]!.eventId, changeId: 1, orderKey: order });
    expect(first.body.items[0].deliveries.map((d: { baseCode: string }) => d.baseCode).sort()).toEqual(['EVA', 'EVB']);
    expect(first.body.next).toBe(events[1]!.eventId);
    const second = await bus.admin('GET', `/v1/events?serviceOrderId=${order}&limit=2&after=${first.body.next}`, undefined, VIEWER_TOKEN);
    expect(second.body.items.map((i: { eventId: string }) => i.eventId)).toEqual([events[2]!.eventId]);
    expect(second.body.next).toBeUndefined();
    expect(second.body.items[0].deliveries.map((d: { baseCode: string }) => d.baseCode)).toEqual(['EVA']);

    const one = await bus.admin('GET', `/v1/events/${events[2]!.eventId}`);
    expect(one.body).toMatchObject({ eventId: events[2]!.eventId, event: { changeId: 2 } });
    expect(one.body.deliveries[0]).toMatchObject({ baseCode: 'EVA', state: 'delivered' });
  });

  it('answers an unknown work order with no items, and requires serviceOrderId', async () => {
    expect((await bus.admin('GET', '/v1/events?serviceOrderId=nobody')).body).toEqual({ items: [] });
    const missing = await bus.admin('GET', '/v1/events');
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('bad_request');
    expect((await bus.admin('GET', '/v1/events/no-such-event')).status).toBe(404);
  });
});
