import { sleep, startReceiver, waitUntil, type ReceivedRequest, type TestReceiver } from '@orderbus/testkit';
import { startBus, VIEWER_TOKEN, type TestBus } from './support/bus';
import { adminCall, expectAuthRules } from './support/admin-http';
import { workOrderEvent } from './support/events';

// Retries fast and never auto-disables, so a failing receiver makes dead letters within seconds.
/** A delivery (not the connect handshake of enabling). */
const isDelivery = (r: ReceivedRequest): boolean => r.headers['x-orderbus-event-id'] !== undefined;

const FAST_FAILURE_ENV = {
  ORDERBUS_RETRY_SCHEDULE: '50ms,50ms',
  ORDERBUS_RETRY_JITTER: '0',
  ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '1000',
  ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '3600000',
};

describe('admin API: subscription queues (queue, pause, resume) and delivery statistics', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let failing: TestReceiver;

  beforeAll(async () => {
    bus = await startBus({ env: FAST_FAILURE_ENV });
    receiver = await startReceiver();
    failing = await startReceiver();
    await bus.subscribe('QUEUED', receiver.url, { dataAreas: ['qa'] });
    await bus.subscribe('BROKEN', failing.url, { dataAreas: ['broken'] });
    // Enabling takes a connect handshake the receiver must accept; it fails from then on.
    failing.behave({ status: 500, body: { success: false, message: 'down for maintenance' } });
    await bus.waitForWorkers(['BROKEN', 'QUEUED']);
  });

  afterAll(async () => {
    await bus.close();
    await receiver.close();
    await failing.close();
  });

  it('GET /queue: an empty queue of a new subscription', async () => {
    const res = await adminCall(bus, 'GET', '/v1/subscriptions/QUEUED/queue', { token: VIEWER_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ waiting: 0, active: 0, delayed: 0, deadLetters: 0, completed: 0, paused: false, oldestWaitingAgeMs: 0 });
  });

  it('pause holds deliveries back while events keep queueing; resume delivers them', async () => {
    const paused = await adminCall(bus, 'POST', '/v1/subscriptions/QUEUED/pause');
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);

    const events = [1, 2, 3].map(() => workOrderEvent({ dataArea: 'qa' }));
    for (const event of events) expect((await bus.send(event)).body.queuedFor).toBe(1);
    const held = await waitUntil(
      async () => {
        const q = await adminCall(bus, 'GET', '/v1/subscriptions/QUEUED/queue');
        return q.body.waiting === 3 && q.body.oldestWaitingAgeMs > 0 ? q.body : undefined;
      },
      { description: '3 jobs waiting in the paused queue' },
    );
    expect(held).toMatchObject({ waiting: 3, active: 0, paused: true });
    // Longer than a sweep interval of the test bus: a paused queue is not claimed.
    await sleep(1200);
    expect(receiver.requests.filter(isDelivery)).toHaveLength(0);

    const resumed = await adminCall(bus, 'POST', '/v1/subscriptions/QUEUED/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    await receiver.waitForRequests(3, { filter: isDelivery });
    const drained = await waitUntil(
      async () => {
        const q = await adminCall(bus, 'GET', '/v1/subscriptions/QUEUED/queue');
        return q.body.completed === 3 && q.body.waiting === 0 && q.body.active === 0 ? q.body : undefined;
      },
      { description: 'the queue drained' },
    );
    expect(drained).toEqual({ waiting: 0, active: 0, delayed: 0, deadLetters: 0, completed: 3, paused: false, oldestWaitingAgeMs: 0 });
  });

  it('pause and resume are idempotent', async () => {
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/QUEUED/resume')).body.paused).toBe(false);
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/QUEUED/pause')).body.paused).toBe(true);
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/QUEUED/pause')).body.paused).toBe(true);
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/QUEUED/resume')).body.paused).toBe(false);
  });

  it('counts dead letters in the queue and in the per-minute statistics', async () => {
    const event = workOrderEvent({ dataArea: 'broken' });
    expect((await bus.send(event)).body.queuedFor).toBe(1);
    const q = await waitUntil(
      async () => {
        const res = await adminCall(bus, 'GET', '/v1/subscriptions/BROKEN/queue');
        return res.body.deadLetters === 1 ? res.body : undefined;
      },
      { timeoutMs: 25_000, description: 'the event to become a dead letter' },
    );
    expect(q).toMatchObject({ waiting: 0, active: 0, delayed: 0, deadLetters: 1, completed: 0, paused: false });

    const stats = await adminCall(bus, 'GET', '/v1/stats/deliveries?minutes=5', { token: VIEWER_TOKEN });
    expect(stats.status).toBe(200);
    expect(stats.body.minutes).toBe(5);
    expect(stats.body.buckets).toHaveLength(5);
    expect(stats.body.totals).toMatchObject({ delivered: 3, deadLettered: 1, deadLetters: 1, waiting: 0 });
    expect(stats.body.sampled).toBe(false);
    const busy = stats.body.buckets.filter((b: { delivered: number }) => b.delivered > 0);
    expect(busy.length).toBeGreaterThan(0);
    for (const bucket of busy) {
      expect(bucket.p50Ms).toBeGreaterThan(0);
      expect(bucket.p99Ms).toBeGreaterThanOrEqual(bucket.p50Ms);
      expect(bucket.attemptP50Ms).toBeGreaterThanOrEqual(0);
    }
    // Minutes are consecutive and the last one is now.
    const times = stats.body.buckets.map((b: { at: string }) => Date.parse(b.at));
    expect(times[4] - times[0]).toBe(4 * 60_000);
    expect(Date.now() - times[4]).toBeLessThan(60_000 + 5_000);

    const one = await adminCall(bus, 'GET', '/v1/stats/deliveries?minutes=5&baseCode=QUEUED');
    expect(one.body.totals).toMatchObject({ delivered: 3, deadLettered: 0, deadLetters: 0 });
  });

  it('answers 404 not_found for an unknown subscription', async () => {
    for (const [method, path] of [
      ['GET', '/v1/subscriptions/NOSUCH/queue'],
      ['POST', '/v1/subscriptions/NOSUCH/pause'],
      ['POST', '/v1/subscriptions/NOSUCH/resume'],
      ['GET', '/v1/stats/deliveries?baseCode=NOSUCH'],
    ] as const) {
      const res = await adminCall(bus, method, path);
      expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, 'not_found']);
      expect(res.body.requestId).toEqual(expect.any(String));
    }
  });

  it('answers 400 bad_request for bad statistics parameters', async () => {
    for (const query of ['minutes=0', 'minutes=181', 'minutes=abc', 'minutes=1.5', 'baseCode=A&baseCode=B']) {
      const res = await adminCall(bus, 'GET', `/v1/stats/deliveries?${query}`);
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'bad_request']);
    }
  });

  it('requires a token for every queue endpoint and an operator to act', async () => {
    await expectAuthRules(bus, 'GET', '/v1/subscriptions/QUEUED/queue', { acting: false });
    await expectAuthRules(bus, 'GET', '/v1/stats/deliveries', { acting: false });
    await expectAuthRules(bus, 'POST', '/v1/subscriptions/QUEUED/pause', { acting: true });
    await expectAuthRules(bus, 'POST', '/v1/subscriptions/QUEUED/resume', { acting: true });
    // The viewer's refused pause changed nothing.
    expect((await adminCall(bus, 'GET', '/v1/subscriptions/QUEUED/queue')).body.paused).toBe(false);
  });
});
