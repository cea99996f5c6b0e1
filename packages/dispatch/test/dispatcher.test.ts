import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { createLogger } from '@orderbus/observability';
import { SubscriptionCache, SubscriptionStore } from '@orderbus/registry';
import { Queue } from 'bullmq';
import { createRedisConnection, DEFAULT_DELIVERY_JOB_POLICY, deliveryJobId, Fanout, subscriptionQueueName, waitForReady } from '@orderbus/queues';
import { createEventValidator } from '@orderbus/core';
import { monitorRedis, startReceiver, startRedisServer, uniquePrefix, waitUntil, type TestRedis, type TestReceiver } from '@orderbus/testkit';
import { Dispatcher, HttpDeliveryHandler, SubscriptionQueue, type DispatcherOptions } from '../src';

const logger = createLogger({ service: 'test', silent: true });
const validator = createEventValidator({ mode: 'compat', enableSupervise: false });

function event(eventId: string, serviceOrderId = 'o1') {
  const outcome = validator.validate({ eventId, dataArea: 'fwwt', changeId: 4, data: { serviceOrderId } });
  if (!outcome.ok) throw new Error('bad test event');
  return { event: outcome.event, fingerprint: outcome.fingerprint };
}

describe('Dispatcher', () => {
  let redis: TestRedis;
  let receiver: TestReceiver;
  beforeAll(async () => {
    redis = await startRedisServer();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await redis.stop();
  });

  async function setup(
    baseCodes: string[],
    overrides: Partial<DispatcherOptions> = {},
    attempts = 3,
    beforeStart?: (context: { fanout: Fanout; connection: ReturnType<typeof createRedisConnection>; prefix: string }) => Promise<void>,
  ) {
    const prefix = uniquePrefix();
    const connection = createRedisConnection(redis.url, 'worker');
    await waitForReady(connection);
    const store = new SubscriptionStore(connection, prefix);
    for (const baseCode of baseCodes) {
      await store.put(baseCode, { callbackUrl: receiver.url, contact: { name: 'n', email: 'n@example.com' } });
      await store.setStatus(baseCode, { status: 'enabled', by: 'test', reason: 'test' });
    }
    const fanout = new Fanout(connection, {
      prefix,
      idempotencyTtlSeconds: 600,
      jobPolicy: { ...DEFAULT_DELIVERY_JOB_POLICY, attempts, backoffMs: 50 },
    });
    const deadLetters: string[] = [];
    const dispatcher = new Dispatcher({
      connection: connection as Redis,
      prefix,
      subscriptions: new SubscriptionCache(connection, prefix),
      handler: new HttpDeliveryHandler({ timeoutMs: 2000, maxResponseBytes: 1024, logger }),
      concurrencyPerSubscription: 5,
      maxInFlight: 100,
      lockDurationMs: 5000,
      stalledIntervalMs: 5000,
      maxStalledCount: 5,
      sweepIntervalMs: 60_000,
      drainTimeoutMs: 2000,
      heartbeatIntervalMs: 500,
      workerTtlMs: 3000,
      maxParkMs: 5000,
      logger,
      observers: [
        {
          onAttempt: (report) => {
            if (report.deadLettered) deadLetters.push(report.job.data.event.eventId);
          },
        },
      ],
      ...overrides,
    });
    await beforeStart?.({ fanout, connection, prefix });
    await dispatcher.start();
    return {
      dispatcher,
      prefix,
      connection,
      fanout,
      store,
      deadLetters,
      async close() {
        await dispatcher.close();
        await fanout.close();
        connection.disconnect();
      },
    };
  }

  it('serves many subscriptions on a constant number of Redis connections', async () => {
    const admin = new Redis(redis.url);
    const clients = async () => String(await admin.client('LIST')).split('\n').filter(Boolean).length;
    const few = await setup(['S1', 'S2']);
    const withTwo = (await clients()) - 1;
    await few.close();

    const baseCodes = Array.from({ length: 60 }, (_, i) => `MANY${i}`);
    const many = await setup(baseCodes);
    await waitUntil(() => many.dispatcher.servedBaseCodes().length === 60, { description: '60 served' });
    const withSixty = (await clients()) - 1;
    expect(withSixty).toBe(withTwo);

    receiver.requests.length = 0;
    await many.fanout.publish([{ ...event('many-1'), baseCodes }]);
    await receiver.waitForRequests(60);
    expect(new Set(receiver.requests.map((r) => r.headers['x-orderbus-base-code'])).size).toBe(60);
    await many.close();
    admin.disconnect();
  });

  /**
   * A backlog of 300 events (event n belongs to order n mod `orders`) to one subscription
   * with five slots. The receiver answers after a random pause, so slots complete (and claim) in an order
   * unrelated to their claims, fails the given share of attempts, and records any event that arrives before
   * the previous event of its order was delivered. Returns those, the attempts, and the standalone claims.
   */
  async function raceBacklog(failShare: number, orders: number): Promise<{ outOfLine: string[]; requests: number; claims: number; total: number }> {
    const bus = await setup(['NEXT'], {}, 50);
    const total = 300;
    const delivered = new Set<number>();
    const outOfLine: string[] = [];
    let requests = 0;
    receiver.behave(async (request, res) => {
      requests += 1;
      const n = Number(String(request.headers['x-orderbus-event-id']).slice('next-'.length));
      if (n >= orders && !delivered.has(n - orders)) outOfLine.push(`next-${n} before next-${n - orders}`);
      await new Promise((r) => setTimeout(r, Math.random() * 8));
      if (Math.random() < failShare) return void res.writeHead(500).end('try again');
      delivered.add(n);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true }));
    });
    const events = Array.from({ length: total }, (_, n) => ({ ...event(`next-${n}`, `order-${n % orders}`), baseCodes: ['NEXT'] }));
    try {
      const claims = await countEvalsha(redis.url, bullmqScriptSha('moveToActive'), async () => {
        await bus.fanout.publish(events);
        await waitUntil(() => delivered.size === total, { timeoutMs: 60_000, description: 'every event delivered' });
      });
      // Every slot came back: those of deliveries, of claims that were parked or came back empty.
      await waitUntil(() => bus.dispatcher.inFlight() === 0, { description: 'no slot taken' });
      return { outOfLine, requests, claims, total };
    } finally {
      receiver.behave({ status: 200, body: { success: true } });
      await bus.close();
    }
  }

  it('claims the next job with the completion of the last one, keeping every order in line', async () => {
    const { outOfLine, requests, claims, total } = await raceBacklog(0, 12);
    expect(outOfLine).toEqual([]);
    expect(requests).toBe(total);
    // Claimed one by one, the backlog would take a moveToActive per delivery; completions claimed most of them.
    expect(claims).toBeLessThan(total / 4);
  });

  it('keeps every order in line while the claims of freed slots race the completions that claim', async () => {
    // One attempt in six fails: its slot ends and the pump claims beside the completions. Three orders for
    // five slots: most claims in flight together are of the same order.
    const { outOfLine, requests, total } = await raceBacklog(1 / 6, 3);
    expect(requests).toBeGreaterThan(total);
    expect(outOfLine).toEqual([]);
  });

  it('claims once per delivery when events trickle in: the wake-up says how many jobs came, so no claim comes back empty', async () => {
    const bus = await setup(['TRICKLE']);
    await waitUntil(() => bus.dispatcher.servedBaseCodes().includes('TRICKLE'), { description: 'TRICKLE served' });
    receiver.requests.length = 0;
    const total = 20;
    try {
      const claims = await countEvalsha(redis.url, bullmqScriptSha('moveToActive'), async () => {
        for (let n = 0; n < total; n++) {
          await bus.fanout.publish([{ ...event(`trickle-${n}`, `trickle-order-${n}`), baseCodes: ['TRICKLE'] }]);
          await receiver.waitForRequests(n + 1);
        }
      });
      expect(receiver.requests.map((r) => r.headers['x-orderbus-event-id'])).toEqual(Array.from({ length: total }, (_, n) => `trickle-${n}`));
      // Claiming until the queue is empty would take two claims per event, the second one empty.
      expect(claims).toBeLessThanOrEqual(total + 1);
    } finally {
      await bus.close();
    }
  });

  it('delivers a job queued first in its line without asking the gate, and the next event of its order through the gate', async () => {
    const bus = await setup(['FIRST']);
    await waitUntil(() => bus.dispatcher.servedBaseCodes().includes('FIRST'), { description: 'FIRST served' });
    receiver.requests.length = 0;
    const total = 10;
    // Line reads inside scripts: leaving reads the head before and after taking the job off (2); entering reads it once.
    let lineReads = 0;
    const monitor = await monitorRedis(redis.url, ({ source, args }) => {
      if (source === 'lua' && args[0]?.toLowerCase() === 'lindex' && args[1]?.includes(':order:')) lineReads += 1;
    });
    try {
      for (let n = 0; n < total; n++) {
        await bus.fanout.publish([{ ...event(`first-${n}`, `first-order-${n}`), baseCodes: ['FIRST'], orderedBaseCodes: ['FIRST'] }]);
        await receiver.waitForRequests(n + 1);
      }
      // Every job has left its line (in the background, after its completion); an entry would have read it once more.
      await waitUntil(() => lineReads >= 2 * total, { description: 'every job out of its line' });
      await new Promise((r) => setTimeout(r, 200));
      expect(lineReads).toBe(2 * total);

      // Two events of one order in one request: the second was not alone in its line and waits at the gate for the first.
      await bus.fanout.publish([`first-pair-1`, `first-pair-2`].map((id) => ({ ...event(id, 'first-pair'), baseCodes: ['FIRST'], orderedBaseCodes: ['FIRST'] })));
      await receiver.waitForRequests(total + 2);
      expect(receiver.requests.slice(total).map((r) => r.headers['x-orderbus-event-id'])).toEqual(['first-pair-1', 'first-pair-2']);
    } finally {
      monitor.stop();
      await bus.close();
    }
  });

  it('puts a replayed dead letter at the end of its line: it waits for the event of its order being delivered', async () => {
    const bus = await setup(['REPLAY'], {}, 1);
    const held: Array<() => void> = [];
    receiver.requests.length = 0;
    receiver.behave(async (request, res) => {
      const id = request.headers['x-orderbus-event-id'];
      if (id === 'replay-1' && receiver.requests.filter((r) => r.headers['x-orderbus-event-id'] === 'replay-1').length === 1) {
        return void res.writeHead(500).end('down');
      }
      if (id === 'replay-2') await new Promise<void>((release) => held.push(release));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true }));
    });
    const queue = new Queue(subscriptionQueueName('REPLAY'), { connection: bus.connection, prefix: bus.prefix });
    try {
      // replay-1 was alone in its line (first in line) and failed for good: a dead letter, out of its line.
      await bus.fanout.publish([{ ...event('replay-1', 'replay-order'), baseCodes: ['REPLAY'], orderedBaseCodes: ['REPLAY'] }]);
      await waitUntil(() => bus.deadLetters.includes('replay-1'), { description: 'replay-1 dead-lettered' });
      // The next event of the order now heads the line, its delivery held by the receiver.
      await bus.fanout.publish([{ ...event('replay-2', 'replay-order'), baseCodes: ['REPLAY'], orderedBaseCodes: ['REPLAY'] }]);
      await waitUntil(() => held.length === 1, { description: 'replay-2 at the receiver' });

      const deadLetter = await queue.getJob(deliveryJobId('replay-1'));
      await deadLetter!.retry('failed', { resetAttemptsMade: true });
      bus.dispatcher.wake('REPLAY');
      await new Promise((r) => setTimeout(r, 500));
      // Still marked first in line, it would have gone at once, beside replay-2.
      expect(receiver.requests.map((r) => r.headers['x-orderbus-event-id'])).toEqual(['replay-1', 'replay-2']);

      held[0]!();
      await receiver.waitForRequests(3);
      expect(receiver.requests.map((r) => r.headers['x-orderbus-event-id'])).toEqual(['replay-1', 'replay-2', 'replay-1']);
    } finally {
      for (const release of held) release();
      receiver.behave({ status: 200, body: { success: true } });
      await queue.close();
      await bus.close();
    }
  });

  it('claims again when a wake-up arrives while a claim is under way, instead of leaving its job to the sweep', async () => {
    // The job a wake-up announces may not be visible yet to a claim sent before it: an empty answer to
    // that claim must not clear the wake-up, or the job waits for the sweep (once a minute here).
    const bus = await setup(['RACE']);
    await waitUntil(() => bus.dispatcher.servedBaseCodes().includes('RACE'), { description: 'RACE served' });
    try {
      const claims = await countEvalsha(redis.url, bullmqScriptSha('moveToActive'), async () => {
        bus.dispatcher.wake('RACE'); // a claim goes out on the empty queue
        bus.dispatcher.wake('RACE', 1); // a wake-up while that claim is under way
        await new Promise((r) => setTimeout(r, 300));
      });
      // The first claim, then one more for the wake-up that came during it; that one's empty answer ends it.
      expect(claims).toBe(2);
    } finally {
      await bus.close();
    }
  });

  it('keeps at most maxInFlight deliveries in flight when many subscriptions wake at once, and serves the ones that waited for a slot', async () => {
    const baseCodes = Array.from({ length: 12 }, (_, i) => `CAP${i}`);
    const bus = await setup(baseCodes, { maxInFlight: 4 });
    await waitUntil(() => bus.dispatcher.servedBaseCodes().length === baseCodes.length, { description: 'all served' });
    let open = 0;
    let most = 0;
    receiver.requests.length = 0;
    receiver.behave(async (_request, res) => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((r) => setTimeout(r, 40));
      open -= 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true }));
    });
    try {
      // Three events, each for every subscription: one wake-up names all twelve queues.
      await bus.fanout.publish([0, 1, 2].map((n) => ({ ...event(`cap-${n}`, `cap-order-${n}`), baseCodes })));
      await receiver.waitForRequests(3 * baseCodes.length, { timeoutMs: 20_000 });
      expect(most).toBeLessThanOrEqual(4);
      expect(new Set(receiver.requests.map((r) => r.headers['x-orderbus-base-code'])).size).toBe(baseCodes.length);
      await waitUntil(() => bus.dispatcher.inFlight() === 0, { description: 'no slot taken' });
    } finally {
      receiver.behave({ status: 200, body: { success: true } });
      await bus.close();
    }
  });

  it('hands a slot to a subscription waiting for one after a turn of ten deliveries, instead of draining one backlog first', async () => {
    const bus = await setup(['TURNA', 'TURNB'], { maxInFlight: 1 });
    await waitUntil(() => bus.dispatcher.servedBaseCodes().length === 2, { description: 'both served' });
    receiver.requests.length = 0;
    try {
      const claims = await countEvalsha(redis.url, bullmqScriptSha('moveToActive'), async () => {
        // Both backlogs in one write and one wake-up: both subscriptions want the one slot from the start.
        await bus.fanout.publish(
          ['TURNA', 'TURNB'].flatMap((baseCode) => Array.from({ length: 25 }, (_, n) => ({ ...event(`${baseCode}-${n}`, `${baseCode}-order-${n}`), baseCodes: [baseCode] }))),
        );
        await receiver.waitForRequests(50, { timeoutMs: 20_000 });
      });
      // Within a turn each completion claims the next job: a claim of its own starts each turn only.
      expect(claims).toBeLessThanOrEqual(12);
      const order = receiver.requests.map((r) => r.headers['x-orderbus-base-code']);
      const runs: number[] = [];
      for (const [i, baseCode] of order.entries()) {
        if (i > 0 && order[i - 1] === baseCode) runs[runs.length - 1]! += 1;
        else runs.push(1);
      }
      // Turns of ten while both have work; the last run is what is left of one backlog.
      expect(runs.slice(0, -1).every((run) => run <= 10)).toBe(true);
      expect(runs.length).toBeGreaterThanOrEqual(4);
    } finally {
      await bus.close();
    }
  });

  it('retries a failing delivery on the schedule and dead-letters it when attempts run out', async () => {
    const bus = await setup(['RETRY'], {}, 3);
    receiver.requests.length = 0;
    receiver.behave({ status: 500, body: 'down' });
    await bus.fanout.publish([{ ...event('retry-1'), baseCodes: ['RETRY'] }]);
    await waitUntil(() => bus.deadLetters.includes('retry-1'), { description: 'dead letter' });
    const attempts = receiver.requests.filter((r) => r.headers['x-orderbus-event-id'] === 'retry-1');
    expect(attempts.map((r) => r.headers['x-orderbus-attempt'])).toEqual(['1', '2', '3']);
    // Exponential backoff of 50 ms: at least 50 ms, then 100 ms between attempts.
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(45);
    expect(attempts[2]!.receivedAt - attempts[1]!.receivedAt).toBeGreaterThanOrEqual(95);

    receiver.behave({ status: 200, body: { success: true } });
    await bus.close();
  });

  it('keeps the lock of a delivery longer than the lock duration, and never of a job already moved on', async () => {
    const warnings: string[] = [];
    const recording = createLogger({ service: 'test', silent: true });
    // Records the warnings (the logger is silent, so nothing reaches its transports).
    recording.warn = ((message: string) => {
      warnings.push(message);
      return recording;
    }) as typeof recording.warn;
    // Slow bookkeeping after each delivery: the lock extension runs meanwhile, on jobs already completed.
    const slowObserver = { onAttempt: () => new Promise<void>((resolve) => setTimeout(resolve, 700)) };
    const bus = await setup(['LOCKS'], { lockDurationMs: 1000, stalledIntervalMs: 500, logger: recording, observers: [slowObserver] });
    receiver.requests.length = 0;
    receiver.behave({ status: 200, body: { success: true }, delayMs: 1800 });
    try {
      await bus.fanout.publish(['lock-1', 'lock-2', 'lock-3'].map((id) => ({ ...event(id), baseCodes: ['LOCKS'] })));
      await waitUntil(async () => (await bus.dispatcher.inFlight()) === 0 && receiver.requests.length >= 3, { timeoutMs: 15_000, description: 'delivered' });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      // Each delivered once: the lock outlived the 1.8 s answer (under the 2 s delivery timeout), so stalled recovery never sent it again.
      expect(receiver.requests.map((r) => r.headers['x-orderbus-event-id']).sort()).toEqual(['lock-1', 'lock-2', 'lock-3']);
      expect(warnings.filter((m) => m.includes('lock'))).toEqual([]);
    } finally {
      receiver.behave({ status: 200, body: { success: true } });
      await bus.close();
    }
  });

  it('finds work nobody announced with its sweep: a job queued without a wake-up, and a delayed one when it is due', async () => {
    const bus = await setup(['SWEEP'], { sweepIntervalMs: 500 });
    const queue = new Queue(subscriptionQueueName('SWEEP'), { connection: bus.connection, prefix: bus.prefix });
    receiver.requests.length = 0;
    try {
      // Written straight into the queue: no wake-up message is published.
      const queuedAt = Date.now();
      await queue.add('x', { event: event('sweep-ready').event }, { jobId: deliveryJobId('sweep-ready') });
      await queue.add('x', { event: event('sweep-later').event }, { jobId: deliveryJobId('sweep-later'), delay: 1500 });
      const arrivedAt = (id: string) => receiver.requests.find((r) => r.headers['x-orderbus-event-id'] === id)?.receivedAt;
      await waitUntil(() => arrivedAt('sweep-ready') !== undefined, { timeoutMs: 3000, description: 'the unannounced job delivered by the sweep' });
      await waitUntil(() => arrivedAt('sweep-later') !== undefined, { timeoutMs: 5000, description: 'the delayed job delivered when due' });
      expect(arrivedAt('sweep-later')! - queuedAt).toBeGreaterThanOrEqual(1500);
    } finally {
      await queue.close();
      await bus.close();
    }
  });

  it('keeps the place of a job a dead worker claimed but never put in its order line', async () => {
    receiver.requests.length = 0;
    const orderEvent = (eventId: string) => ({ ...event(eventId, 'adopted-order'), baseCodes: ['ADOPT'] });
    const bus = await setup(['ADOPT'], { lockDurationMs: 1000, stalledIntervalMs: 500 }, 3, async ({ fanout, connection, prefix }) => {
      await fanout.publish([orderEvent('adopt-1'), orderEvent('adopt-2')]);
      // A worker that claims adopt-1 and dies before the gate: active, locked, in no line.
      const dead = new SubscriptionQueue('ADOPT', connection, prefix, { lockDurationMs: 1000, stalledIntervalMs: 500, maxStalledCount: 5 });
      const claim = await dead.claim('dead-worker:1');
      expect(claim.job?.id).toBe(deliveryJobId('adopt-1'));
      await dead.close();
    });
    try {
      await waitUntil(() => receiver.requests.filter((r) => r.headers['x-orderbus-event-id']?.startsWith('adopt-')).length >= 2, {
        timeoutMs: 15_000,
        description: 'both events delivered',
      });
      // adopt-2 waited for adopt-1 to come back from stalled recovery.
      expect(receiver.requests.map((r) => r.headers['x-orderbus-event-id']).filter((id) => id?.startsWith('adopt-'))).toEqual(['adopt-1', 'adopt-2']);
    } finally {
      await bus.close();
    }
  });

  it('stops serving a subscription that is disabled and serves it again when enabled', async () => {
    const bus = await setup(['TOGGLE']);
    await waitUntil(() => bus.dispatcher.servedBaseCodes().includes('TOGGLE'), { description: 'TOGGLE served' });
    await bus.store.setStatus('TOGGLE', { status: 'disabled', by: 'test', reason: 'pause it' });
    await waitUntil(() => !bus.dispatcher.servedBaseCodes().includes('TOGGLE'), { description: 'TOGGLE no longer served' });

    receiver.requests.length = 0;
    // Jobs already queued (e.g. a backlog) wait while the subscription is off.
    await bus.fanout.publish([{ ...event('toggle-1'), baseCodes: ['TOGGLE'] }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(0);

    await bus.store.setStatus('TOGGLE', { status: 'enabled', by: 'test', reason: 'resume' });
    const [delivery] = await receiver.waitForRequests(1);
    expect(delivery!.headers['x-orderbus-event-id']).toBe('toggle-1');
    await bus.close();
  });
});

/** The SHA1 ioredis sends with EVALSHA for one of BullMQ's scripts. */
function bullmqScriptSha(name: string): string {
  const scripts = require(join(dirname(require.resolve('bullmq')), 'scripts')) as Record<string, { name: string; content: string }>;
  const script = Object.values(scripts).find((s) => s?.name === name);
  if (!script) throw new Error(`BullMQ has no script named ${name}`);
  return createHash('sha1').update(script.content).digest('hex');
}

/** How many times clients sent EVALSHA of `sha` while `during()` ran (Redis MONITOR). */
async function countEvalsha(redisUrl: string, sha: string, during: () => Promise<void>): Promise<number> {
  let count = 0;
  const monitor = await monitorRedis(redisUrl, ({ source, args }) => {
    if (source !== 'lua' && args[0]?.toLowerCase() === 'evalsha' && args[1] === sha) count += 1;
  });
  try {
    await during();
  } finally {
    // The last commands' MONITOR lines may still be on their way.
    await new Promise((r) => setTimeout(r, 50));
    monitor.stop();
  }
  return count;
}
