import { startRedisServer, waitUntil, type TestRedis } from '@orderbus/testkit';
import {
  loadEvent,
  report,
  sendEvents,
  startCountingReceiver,
  startProcessBus,
  type CountingReceiver,
  type ProcessBus,
  type SendResult,
} from './support/load';

// Graceful shutdown (SIGTERM) of every app: in-flight work finishes, nothing is left active,
// the exit code is 0 (docs/faults.md).

const SLOW_MS = 2500;
const CONCURRENCY = 5;

jest.setTimeout(180_000);

describe('SIGTERM of every app', () => {
  let redis: TestRedis;
  let bus: ProcessBus;
  let receiver: CountingReceiver;

  beforeAll(async () => {
    redis = await startRedisServer();
    bus = await startProcessBus(redis, {
      ORDERBUS_DELIVERY_CONCURRENCY: String(CONCURRENCY),
      ORDERBUS_DRAIN_TIMEOUT_MS: '15000',
      // Longer than a delivery plus the drain, so a lock never runs out while the worker drains.
      ORDERBUS_LOCK_DURATION_MS: '30000',
      ORDERBUS_DELIVERY_TIMEOUT_MS: '10000',
    });
    receiver = await startCountingReceiver({ delayMs: SLOW_MS });
    await bus.subscribe('SLOW', receiver.url);
  });
  afterAll(async () => {
    await bus?.close();
    await receiver?.close();
    await redis?.stop();
  });

  it('the worker finishes its in-flight deliveries, leaves nothing active and exits 0', async () => {
    const producer = await bus.start('producer');
    const events = Array.from({ length: 3 * CONCURRENCY }, (_, i) => loadEvent(`sd-${i}`, 'fwwt', 1000));
    expect((await sendEvents(producer.url, { events })).status).toBe(202);
    const worker = await bus.start('worker');
    await waitUntil(() => receiver.open() === CONCURRENCY, { timeoutMs: 20_000, description: `${CONCURRENCY} deliveries in flight` });
    const inFlight = [...receiver.counts.keys()];

    const termAt = Date.now();
    await worker.kill('SIGTERM');
    const code = await worker.exited;
    const tookMs = Date.now() - termAt;
    expect(code).toBe(0);
    // It waited for the slow receiver rather than dropping the deliveries...
    expect(receiver.open()).toBe(0);
    const counts = await bus.counts('SLOW');
    // ...and recorded them: delivered, nothing active, the rest still waiting for the next worker.
    expect(counts).toMatchObject({ active: 0, completed: inFlight.length, failed: 0 });
    expect(counts.waiting + counts.delayed).toBe(events.length - inFlight.length);
    // It left the live workers at once, so the next one takes over without waiting for a TTL.
    expect(await bus.client.zcard(`${bus.prefix}:workers`)).toBe(0);

    receiver.behave({});
    const next = await bus.start('worker');
    await waitUntil(() => receiver.counts.size === events.length, { timeoutMs: 30_000, description: 'the rest delivered by the next worker' });
    await waitUntil(async () => (await bus.counts('SLOW')).completed === events.length, { timeoutMs: 10_000, description: 'all completed' });
    // The drained deliveries were not sent again.
    expect(receiver.duplicates()).toBe(0);
    await next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    report('worker SIGTERM', { inFlightAtSigterm: inFlight.length, exitCode: code ?? 'none', drainMs: tookMs, duplicatesAfterRestart: receiver.duplicates() });
  });

  it('the producer answers the requests it has, then exits 0; each 202 is queued', async () => {
    const producer = await bus.start('producer');
    const before = (await bus.counts('SLOW')).waiting;
    const results: SendResult[] = [];
    const sending = Array.from({ length: 20 }, (_, r) =>
      sendEvents(producer.url, { events: Array.from({ length: 100 }, (_, i) => loadEvent(`sp-${r}-${i}`, 'fwwt', 1000)) }).then((res) => {
        results.push(res);
      }),
    );
    // Some requests are being handled (or queued in the socket) when the signal arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await producer.kill('SIGTERM');
    expect(await producer.exited).toBe(0);
    await Promise.all(sending);
    const accepted = results.filter((r) => r.status === 202);
    // Nothing half-done: every request either got its 202 or a connection error (never a 5xx).
    expect(results.filter((r) => r.status !== undefined && r.status !== 202)).toEqual([]);
    expect((await bus.counts('SLOW')).waiting - before).toBe(accepted.length * 100);
    report('producer SIGTERM', { requests: results.length, answered202: accepted.length, refusedAfterClose: results.length - accepted.length, exitCode: 0 });
  });

  it('a worker told to stop while Redis is stalled exits by its shutdown deadline instead of hanging', async () => {
    const drainMs = 1000;
    const worker = await bus.start('worker', { ORDERBUS_DRAIN_TIMEOUT_MS: String(drainMs) });
    redis.process!.kill('SIGSTOP');
    try {
      const termAt = Date.now();
      await worker.kill('SIGTERM');
      // Its commands wait for a Redis that does not answer: only the deadline (drain + grace) ends it.
      const code = await Promise.race([worker.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000))]);
      const tookMs = Date.now() - termAt;
      expect(code).toBe(1);
      expect(tookMs).toBeGreaterThanOrEqual(drainMs);
      report('worker SIGTERM with Redis stalled', { exitCode: String(code), tookMs });
    } finally {
      redis.process!.kill('SIGCONT');
    }
  });

  it('the admin app exits 0', async () => {
    await bus.admin.kill('SIGTERM');
    expect(await bus.admin.exited).toBe(0);
  });
});
