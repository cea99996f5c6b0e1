import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { subscriptionQueueName } from '@orderbus/queues';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { report } from './support/load';

// Redis that stalls (SIGSTOP) for longer than every timeout: the producer and the admin API answer
// 503 within their command timeout instead of hanging; when Redis resumes everything goes on
// without a restart, and a retry with the same eventIds queues nothing twice (docs/faults.md).

const COMMAND_TIMEOUT_MS = 1000;
const STALL_MS = 5000;

jest.setTimeout(120_000);

describe('a Redis that stalls (SIGSTOP) longer than the timeouts', () => {
  let bus: TestBus;
  let receiver: TestReceiver;

  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) } });
    receiver = await startReceiver();
    await bus.subscribe('STALL', receiver.url);
    await bus.waitForWorkers(['STALL']);
  });
  afterAll(async () => {
    bus?.redis.process?.kill('SIGCONT');
    await bus?.close();
    await receiver?.close();
  });

  const delivered = (id: string): boolean => receiver.requests.some((r) => r.headers['x-orderbus-event-id'] === id);

  it('answers 503 at once while stalled, then recovers; a retry with the same eventIds duplicates nothing', async () => {
    expect((await bus.send(workOrderEvent({ eventId: 'before-stall' }))).status).toBe(202);
    await waitUntil(async () => (await bus.counts('STALL')).completed === 1, { description: 'delivered before the stall' });

    const refused: Array<{ events: Record<string, any>[]; ms: number; code: string }> = [];
    const adminDuring: number[] = [];
    const readyDuring: number[] = [];
    const redisProcess = bus.redis.process!;
    redisProcess.kill('SIGSTOP');
    const stoppedAt = Date.now();
    // Redis stays stopped until the loop is over, so every answer below was given during the stall.
    // The timer only guards against a request that hangs forever keeping Redis stopped.
    const resume = setTimeout(() => redisProcess.kill('SIGCONT'), STALL_MS * 6);
    try {
      for (let i = 0; Date.now() - stoppedAt < STALL_MS; i++) {
        const events = Array.from({ length: 10 }, (_, k) => workOrderEvent({ eventId: `stall-${i}-${k}` }));
        const started = Date.now();
        const res = await bus.send({ events });
        expect(res.status).toBe(503);
        refused.push({ events, ms: Date.now() - started, code: res.body.error.code });
        adminDuring.push((await bus.admin('GET', '/v1/subscriptions')).status);
        readyDuring.push((await fetch(`${bus.producerUrl}/readyz`)).status);
      }
    } finally {
      clearTimeout(resume);
      redisProcess.kill('SIGCONT');
    }
    const resumedAt = Date.now();
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((r) => r.code))).toEqual(new Set(['unavailable']));
    // Each within its command timeout (plus the machine's slack): the producer never hangs on a stalled Redis.
    const slowest = Math.max(...refused.map((r) => r.ms));
    expect(slowest).toBeLessThan(COMMAND_TIMEOUT_MS * 2 + 1000);
    expect(new Set(adminDuring)).toEqual(new Set([503]));
    expect(new Set(readyDuring)).toEqual(new Set([503]));

    // Back without a restart.
    await waitUntil(async () => (await bus.send(workOrderEvent({ eventId: 'after-stall' }))).status === 202, {
      timeoutMs: 20_000,
      intervalMs: 200,
      description: 'the producer to accept again',
    });
    expect((await bus.admin('GET', '/v1/subscriptions')).status).toBe(200);

    // A command that timed out was still in Redis's socket buffer: it may have run after SIGCONT.
    // Whatever ran, the producer's retry with the same eventIds completes the batch without duplicates.
    const jobKey = (id: string): string => `${bus.prefix}:${subscriptionQueueName('STALL')}:e-${id}`;
    const ids = refused.flatMap((r) => r.events.map((e) => e.eventId as string));
    const queuedAnyway = (await Promise.all(ids.map((id) => bus.redisClient().exists(jobKey(id))))).filter((n) => n === 1).length;
    for (const { events } of refused) {
      const res = await bus.send({ events });
      expect(res.status).toBe(202);
      expect(res.body.events.every((e: { queuedFor: number }) => e.queuedFor === 1)).toBe(true);
    }
    await waitUntil(() => [...ids, 'after-stall'].every(delivered), { timeoutMs: 30_000, description: 'every retried event delivered' });
    await waitUntil(async () => (await bus.counts('STALL')).active === 0, { description: 'nothing active' });
    const perEvent = new Map<string, number>();
    for (const r of receiver.requests) {
      const id = r.headers['x-orderbus-event-id'];
      if (id) perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
    }
    const duplicates = [...perEvent.values()].reduce((n, c) => n + c - 1, 0);
    const twice = [...perEvent.entries()].filter(([, c]) => c > 1).map(([id]) => id);
    report('redis SIGSTOP', {
      stalledMs: resumedAt - stoppedAt,
      refused503: refused.length,
      slowest503Ms: slowest,
      eventsRefused: ids.length,
      refusedButQueuedAnywayBeforeRetry: queuedAnyway,
      deliveredAfterRetry: ids.filter(delivered).length,
      duplicates,
      deliveredTwice: twice.join(' ') || 'none',
    });
    // The retries queued nothing twice. (Nothing was in flight when Redis stopped: an event in flight
    // then may be delivered again, when the stall outlasts its lock and stalled recovery resends it.)
    expect(twice).toEqual([]);
  });
});
