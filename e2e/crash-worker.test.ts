import { startRedisServer, waitUntil, type TestRedis } from '@orderbus/testkit';
import { subscriptionQueueName } from '@orderbus/queues';
import {
  loadEvent,
  report,
  sendEvents,
  startCountingReceiver,
  startProcessBus,
  waitForDeliveries,
  type CountingReceiver,
  type ProcessBus,
} from './support/load';

// kill -9 of the worker process mid-delivery, three times, a new worker started each time:
// every event is delivered at least once, and the jobs the dead worker held are picked up
// again within the stalled-job timers (docs/faults.md).

const SUBSCRIPTIONS = 4;
const EVENTS = 2_000;
const KILLS = 3;
const HEARTBEAT_MS = 300;
const WORKER_TTL_MS = 1500;
const LOCK_MS = 2000;
const STALLED_MS = 1000;

jest.setTimeout(360_000);

describe('kill -9 of the worker mid-delivery', () => {
  let redis: TestRedis;
  let bus: ProcessBus;
  let receiver: CountingReceiver;
  const baseCodes = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `CW${i}`);

  beforeAll(async () => {
    redis = await startRedisServer();
    bus = await startProcessBus(redis, {
      ORDERBUS_WORKER_HEARTBEAT_MS: String(HEARTBEAT_MS),
      ORDERBUS_WORKER_TTL_MS: String(WORKER_TTL_MS),
      ORDERBUS_LOCK_DURATION_MS: String(LOCK_MS),
      ORDERBUS_STALLED_INTERVAL_MS: String(STALLED_MS),
      ORDERBUS_DELIVERY_CONCURRENCY: '10',
    });
    // Slow enough that deliveries are always in flight when the worker dies.
    receiver = await startCountingReceiver({ delayMs: 40 });
    for (const baseCode of baseCodes) await bus.subscribe(baseCode, receiver.url);
    await bus.start('producer');
  });
  afterAll(async () => {
    await bus?.close();
    await receiver?.close();
    await redis?.stop();
  });

  /** The jobs in the active lists of every subscription queue: `${baseCode}|${eventId}`. */
  async function activeJobs(): Promise<string[]> {
    const lists = await Promise.all(baseCodes.map((b) => bus.client.lrange(`${bus.prefix}:${subscriptionQueueName(b)}:active`, 0, -1)));
    return lists.flatMap((ids, i) => ids.map((id) => `${baseCodes[i]}|${id.replace(/^e-/, '')}`));
  }

  it('delivers every event at least once and recovers the dead worker\'s jobs within the stalled timers', async () => {
    const producer = bus.producers[0]!;
    const events = Array.from({ length: EVENTS }, (_, n) => loadEvent(`cw-${n}`, 'fwwt', 500));
    for (let i = 0; i < events.length; i += 100) {
      const res = await sendEvents(producer.url, { events: events.slice(i, i + 100) });
      expect(res.status).toBe(202);
    }
    const expected = events.flatMap((e) => baseCodes.map((b) => `${b}|${e.eventId}`));

    await bus.start('worker');
    const recoveries: Array<{ stalled: number; upAfterMs: number; recoveredAfterUpMs: number }> = [];
    for (let k = 0; k < KILLS; k++) {
      const before = receiver.received();
      await waitUntil(() => receiver.received() >= before + 500 && receiver.open() > 0, { timeoutMs: 60_000, description: 'deliveries under way' });
      const victim = bus.workers[bus.workers.length - 1]!;
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      // Nobody can touch the active lists now: these are exactly the jobs the dead worker held.
      const stalled = await activeJobs();
      expect(stalled.length).toBeGreaterThan(0);
      await bus.start('worker');
      const upAt = Date.now();
      const redeliveredAt = await waitUntil(
        () => {
          const firsts = stalled.map((key) => (receiver.seenAt.get(key) ?? []).find((t) => t > killedAt));
          return firsts.every((t) => t !== undefined) ? Math.max(...(firsts as number[])) : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 50, description: `the ${stalled.length} jobs of the killed worker delivered again` },
      );
      recoveries.push({ stalled: stalled.length, upAfterMs: upAt - killedAt, recoveredAfterUpMs: redeliveredAt - upAt });
    }

    const missing = await waitForDeliveries(receiver, expected, 120_000);
    await waitUntil(async () => (await Promise.all(baseCodes.map((b) => bus.counts(b)))).every((c) => c.active + c.waiting + c.delayed === 0), {
      timeoutMs: 30_000,
      description: 'every queue drained',
    });
    const counts = await Promise.all(baseCodes.map((b) => bus.counts(b)));
    report('worker kill -9 (3 times)', {
      events: EVENTS,
      deliveriesExpected: expected.length,
      delivered: expected.length - missing.length,
      duplicates: receiver.duplicates(),
      lost: missing.length,
      stalledPerKill: recoveries.map((r) => r.stalled).join('/'),
      newWorkerUpAfterMs: recoveries.map((r) => r.upAfterMs).join('/'),
      stalledRedeliveredAfterUpMs: recoveries.map((r) => r.recoveredAfterUpMs).join('/'),
      completed: counts.reduce((n, c) => n + c.completed, 0),
      deadLetters: counts.reduce((n, c) => n + c.failed, 0),
    });
    expect(missing.slice(0, 20)).toEqual([]);
    expect(counts.map((c) => c.failed)).toEqual(baseCodes.map(() => 0));
    // The dead worker's subscriptions move after its heartbeat expires (TTL) and two heartbeats of hand-over;
    // its jobs come back once their lock expired, at the next-but-one stalled check. 5 s of slack for the machine.
    const bound = WORKER_TTL_MS + 2 * HEARTBEAT_MS + LOCK_MS + 2 * STALLED_MS + 5000;
    for (const r of recoveries) expect(r.recoveredAfterUpMs).toBeLessThan(bound);
    // Only jobs that were in flight can be delivered twice.
    expect(receiver.duplicates()).toBeLessThanOrEqual(recoveries.reduce((n, r) => n + r.stalled, 0));
  });
});
