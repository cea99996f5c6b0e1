import { sleep, startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { VIEWER_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { attemptsOf, ofEvent, waitForDeadLetter } from './support/delivery';

describe('dead letters: list, replay, discard', () => {
  let bus: TestBus;
  let receiver: TestReceiver;

  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_RETRY_SCHEDULE: '0,50ms', ORDERBUS_RETRY_JITTER: '0', ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000' } });
    receiver = await startReceiver();
    await bus.subscribe('DLQ', receiver.url);
    await bus.waitForWorkers(['DLQ']);
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  async function deadLetter(eventId: string, serviceOrderId = `order-${eventId}`): Promise<any> {
    receiver.behave({ status: 503, body: { success: false, message: 'maintenance' } });
    expect((await bus.send(workOrderEvent({ eventId, serviceOrderId }))).status).toBe(202);
    return waitForDeadLetter(bus, 'DLQ', eventId);
  }

  it('lists an event that used up its schedule, with what went wrong', async () => {
    const item = await deadLetter('dl-1', 'order-dl-1');
    expect(item).toEqual({
      eventId: 'dl-1',
      changeId: '1',
      dataArea: 'fwwt',
      orderKey: 'order-dl-1',
      failedAt: expect.any(String),
      attempts: 3,
      lastError: expect.stringContaining('maintenance'),
      resultClass: 'http_5xx',
    });
    expect(Math.abs(Date.parse(item.failedAt) - Date.now())).toBeLessThan(10_000);
    expect((await bus.counts('DLQ')).failed).toBe(1);
    // A viewer may read the dead letters, not act on them.
    const asViewer = await bus.admin('GET', '/v1/subscriptions/DLQ/dead-letters', undefined, VIEWER_TOKEN);
    expect(asViewer.body.items.map((d: any) => d.eventId)).toEqual(['dl-1']);
    expect((await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/dl-1/replay', {}, VIEWER_TOKEN)).status).toBe(403);
    expect((await bus.admin('DELETE', '/v1/subscriptions/DLQ/dead-letters/dl-1', undefined, VIEWER_TOKEN)).status).toBe(403);
  });

  it('replays a dead letter once, with the same event id and the attempts from 1 again; replaying twice is safe', async () => {
    receiver.behave({ status: 200, body: { result: null, success: true, message: 'success', statusCode: 200 } });
    const before = receiver.requests.filter(ofEvent('dl-1')).length;
    const replay = await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/dl-1/replay', {});
    expect(replay).toEqual({ status: 202, body: { replayed: true } });
    const again = await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/dl-1/replay', {});
    expect(again).toEqual({ status: 202, body: { replayed: false } });

    const arrivals = await receiver.waitForRequests(before + 1, { filter: ofEvent('dl-1') });
    const replayed = arrivals[arrivals.length - 1]!;
    expect(replayed.headers['webhook-id']).toBe('dl-1');
    expect(replayed.headers['x-orderbus-attempt']).toBe('1');
    expect((replayed.body as any).eventId).toBe('dl-1');
    await waitUntil(async () => (await bus.counts('DLQ')).completed === 1, { description: 'dl-1 delivered' });
    // Delivered now: a third replay changes nothing and nothing more arrives.
    expect((await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/dl-1/replay', {})).body).toEqual({ replayed: false });
    await sleep(300);
    expect(receiver.requests.filter(ofEvent('dl-1'))).toHaveLength(before + 1);
    expect((await bus.admin('GET', '/v1/subscriptions/DLQ/dead-letters')).body.items).toEqual([]);

    // The whole history stays: three failures, then the replayed delivery.
    const history = await attemptsOf(bus, 'DLQ', 'dl-1');
    expect(history.map((a) => [a.attemptNumber, a.resultClass])).toEqual([
      [1, 'http_5xx'],
      [2, 'http_5xx'],
      [3, 'http_5xx'],
      [1, 'ok'],
    ]);
    const view = (await bus.admin('GET', '/v1/events/dl-1')).body;
    expect(view).toMatchObject({ eventId: 'dl-1', deliveries: [{ baseCode: 'DLQ', state: 'delivered' }] });
  });

  it('replays all dead letters, or those that failed since a time', async () => {
    await deadLetter('dl-old');
    const since = new Date().toISOString();
    await sleep(20);
    await deadLetter('dl-new-1');
    await deadLetter('dl-new-2');
    const listed = (await bus.admin('GET', '/v1/subscriptions/DLQ/dead-letters?limit=2')).body;
    expect(listed.items.map((d: any) => d.eventId)).toEqual(['dl-new-2', 'dl-new-1']);
    const rest = (await bus.admin('GET', `/v1/subscriptions/DLQ/dead-letters?limit=2&after=${encodeURIComponent(listed.next)}`)).body;
    expect(rest).toEqual({ items: [expect.objectContaining({ eventId: 'dl-old' })] });

    receiver.behave({ status: 200, body: { success: true } });
    expect((await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/replay', { since })).body).toEqual({ replayed: 2 });
    await receiver.waitForRequests(1, { filter: (r) => ofEvent('dl-new-1')(r) && r.headers['x-orderbus-attempt'] === '1' && r.receivedAt > Date.parse(since) + 20 });
    await waitUntil(async () => (await bus.admin('GET', '/v1/subscriptions/DLQ/dead-letters')).body.items.length === 1, { description: 'two replayed' });
    expect((await bus.admin('GET', '/v1/subscriptions/DLQ/dead-letters')).body.items.map((d: any) => d.eventId)).toEqual(['dl-old']);
    expect((await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/replay', { since: 'yesterday' })).status).toBe(400);
    expect((await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/replay', {})).body).toEqual({ replayed: 1 });
    for (const eventId of ['dl-old', 'dl-new-1', 'dl-new-2']) {
      await waitUntil(async () => (await bus.admin('GET', `/v1/events/${eventId}`)).body.deliveries[0].state === 'delivered', { description: `${eventId} delivered` });
    }
  });

  it('discards a dead letter', async () => {
    await deadLetter('dl-discard');
    expect((await bus.admin('DELETE', '/v1/subscriptions/DLQ/dead-letters/dl-discard')).status).toBe(204);
    expect((await bus.admin('GET', '/v1/subscriptions/DLQ/dead-letters')).body.items).toEqual([]);
    expect((await bus.admin('DELETE', '/v1/subscriptions/DLQ/dead-letters/dl-discard')).status).toBe(404);
    expect((await bus.admin('POST', '/v1/subscriptions/DLQ/dead-letters/dl-discard/replay', {})).status).toBe(404);
    // Not a dead letter (delivered): refused.
    expect((await bus.admin('DELETE', '/v1/subscriptions/DLQ/dead-letters/dl-1')).status).toBe(409);
    expect((await bus.admin('GET', '/v1/subscriptions/NOPE/dead-letters')).status).toBe(404);
  });
});
