import { startReceiver, sleep, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { readmeExample, workOrderEvent } from './support/events';

describe('fan-out and first delivery', () => {
  let bus: TestBus;
  const receivers: Record<string, TestReceiver> = {};

  beforeAll(async () => {
    bus = await startBus();
    for (const name of ['ALLAREAS', 'FWWTONLY', 'FWWTNEW', 'OTHERAREA', 'DISABLED']) receivers[name] = await startReceiver();
    await bus.subscribe('ALLAREAS', receivers.ALLAREAS!.url);
    await bus.subscribe('FWWTONLY', receivers.FWWTONLY!.url, { dataAreas: ['fwwt'] });
    await bus.subscribe('FWWTNEW', receivers.FWWTNEW!.url, { dataAreas: ['fwwt'], changeIds: [1] });
    await bus.subscribe('OTHERAREA', receivers.OTHERAREA!.url, { dataAreas: ['sbwx'] });
    // Registered but never enabled: a new subscription is disabled and gets nothing.
    const put = await bus.admin('PUT', '/v1/subscriptions/DISABLED', {
      callbackUrl: receivers.DISABLED!.url,
      contact: { name: 'x', email: 'x@example.com' },
    });
    expect(put.body.status).toBe('disabled');
    await bus.waitForWorkers(['ALLAREAS', 'FWWTNEW', 'FWWTONLY', 'OTHERAREA']);
  });

  afterAll(async () => {
    await bus.close();
    await Promise.all(Object.values(receivers).map((r) => r.close()));
  });

  it('delivers a fwwt event to exactly the subscriptions whose scope matches, once each', async () => {
    const event = readmeExample();
    event.eventId = 'fanout-scope-1';
    const res = await bus.send(event);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventId: 'fanout-scope-1', duplicate: false, queuedFor: 3 });

    for (const name of ['ALLAREAS', 'FWWTONLY', 'FWWTNEW']) {
      const [delivery] = await receivers[name]!.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'fanout-scope-1' });
      expect(delivery!.method).toBe('POST');
      expect(delivery!.headers['x-orderbus-base-code']).toBe(name);
      expect(delivery!.headers['x-orderbus-change-id']).toBe('1');
      expect(delivery!.headers['x-orderbus-data-area']).toBe('fwwt');
      expect(delivery!.body).toMatchObject({ eventId: 'fanout-scope-1', baseCode: name, dataArea: 'fwwt', changeId: '1' });
      expect((delivery!.body as any).data.serviceOrderId).toBe(event.data.serviceOrderId);
    }
    // A step-handled event (changeId 2) does not go to FWWTNEW, which only takes changeId 1.
    const step = workOrderEvent({ changeId: 2, eventId: 'fanout-scope-2' });
    expect((await bus.send(step)).body.queuedFor).toBe(2);
    await receivers.FWWTONLY!.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'fanout-scope-2' });
    await receivers.ALLAREAS!.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'fanout-scope-2' });

    await sleep(300);
    // Enabling sent each receiver a connect request first; count the event deliveries.
    const ids = (name: string) => receivers[name]!.requests.filter((r) => r.headers['x-orderbus-event-id']).map((r) => r.headers['x-orderbus-event-id']);
    expect(ids('ALLAREAS').sort()).toEqual(['fanout-scope-1', 'fanout-scope-2']);
    expect(ids('FWWTONLY').sort()).toEqual(['fanout-scope-1', 'fanout-scope-2']);
    expect(ids('FWWTNEW')).toEqual(['fanout-scope-1']);
    expect(ids('OTHERAREA')).toEqual([]);
    expect(ids('DISABLED')).toEqual([]);
  });

  it('does not deliver a repeated eventId twice', async () => {
    const event = workOrderEvent({ eventId: 'repeat-me', dataArea: 'sbwx' });
    const first = await bus.send(event);
    expect(first.body).toEqual({ eventId: 'repeat-me', duplicate: false, queuedFor: 2 });
    await receivers.OTHERAREA!.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'repeat-me' });
    await receivers.ALLAREAS!.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'repeat-me' });

    // Sent again after delivery, and again with the keys in another order.
    const again = await bus.send(event);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ eventId: 'repeat-me', duplicate: true, queuedFor: 2 });
    const reordered = Object.fromEntries(Object.entries(event).reverse());
    expect((await bus.send(reordered)).body.duplicate).toBe(true);

    await sleep(500);
    expect(receivers.OTHERAREA!.requests.filter((r) => r.headers['x-orderbus-event-id'] === 'repeat-me')).toHaveLength(1);
    expect(receivers.ALLAREAS!.requests.filter((r) => r.headers['x-orderbus-event-id'] === 'repeat-me')).toHaveLength(1);
  });

  it('answers 409 for a known eventId with another payload, and queues nothing', async () => {
    const event = workOrderEvent({ eventId: 'conflicting', dataArea: 'sbwx' });
    expect((await bus.send(event)).status).toBe(202);
    await receivers.OTHERAREA!.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'conflicting' });
    const before = await bus.counts('OTHERAREA');

    const changed = { ...event, data: { ...event.data, remark: 'something else' } };
    const res = await bus.send(changed);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('event_conflict');
    expect(res.body.error.conflicts).toEqual([{ index: 0, eventId: 'conflicting' }]);
    expect(await bus.counts('OTHERAREA')).toEqual(before);
  });

  it('rejects a batch with one invalid event and leaves every queue unchanged', async () => {
    const before = await Promise.all(['ALLAREAS', 'FWWTONLY', 'FWWTNEW', 'OTHERAREA'].map((b) => bus.counts(b)));
    const good = workOrderEvent();
    const bad = workOrderEvent({ changeId: 3 });
    delete bad.data.overType;
    bad.data.createDate = '2019-08-02';
    const res = await bus.send({ events: [good, bad, workOrderEvent()] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    const problems = res.body.error.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`);
    expect(problems).toEqual(expect.arrayContaining(['/events/1/data/overType required', '/events/1/data/createDate format']));
    expect(problems.every((p: string) => p.startsWith('/events/1/'))).toBe(true);

    await sleep(300);
    const after = await Promise.all(['ALLAREAS', 'FWWTONLY', 'FWWTNEW', 'OTHERAREA'].map((b) => bus.counts(b)));
    expect(after).toEqual(before);
    // The good events of the rejected batch were not claimed either: they can be sent again.
    expect((await bus.send(good)).body).toMatchObject({ eventId: good.eventId, duplicate: false });
  });

  it('accepts a batch and answers per event', async () => {
    const events = [workOrderEvent(), workOrderEvent({ dataArea: 'sbwx' }), workOrderEvent({ changeId: 5 })];
    const res = await bus.send({ events: [...events, events[0]] });
    expect(res.status).toBe(202);
    expect(res.body.events).toEqual([
      { eventId: events[0]!.eventId, duplicate: false, queuedFor: 3 },
      { eventId: events[1]!.eventId, duplicate: false, queuedFor: 2 },
      { eventId: events[2]!.eventId, duplicate: false, queuedFor: 2 },
      { eventId: events[0]!.eventId, duplicate: true, queuedFor: 3 },
    ]);
    await receivers.ALLAREAS!.waitForRequests(3, { filter: (r) => events.some((e) => e.eventId === r.headers['x-orderbus-event-id']) });
    await waitUntil(async () => (await bus.counts('ALLAREAS')).waiting === 0, { description: 'ALLAREAS drained' });
  });
});
