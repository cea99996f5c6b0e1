import { Queue } from 'bullmq';
import { OrderbusError, createEventValidator } from '@orderbus/core';
import { startRedisCluster, startRedisServer, uniquePrefix, waitUntil, type TestRedisCluster } from '@orderbus/testkit';
import {
  DEFAULT_DELIVERY_JOB_POLICY,
  FIRST_IN_LINE_JSON,
  Fanout,
  JOBS_PER_TRANSACTION,
  createRedisConnection,
  deliveryJobId,
  idempotencyBucket,
  idempotencyKey,
  isRedisUnavailable,
  orderLineKey,
  readWakeMessage,
  subscriptionQueueName,
  waitForReady,
  wakeChannel,
  type FanoutItem,
  type RedisClient,
} from '../src';
import { CLAIM_EVENTS as CLAIM_SCRIPT } from '../src/lua/claim-events';

const validator = createEventValidator({ mode: 'compat', enableSupervise: false });

function item(eventId: string, baseCodes: string[], remark = 'first', serviceOrderId = 'o1'): FanoutItem {
  const outcome = validator.validate({ eventId, dataArea: 'fwwt', changeId: 4, data: { serviceOrderId, remark } });
  if (!outcome.ok) throw new Error('bad test event');
  return { event: outcome.event, fingerprint: outcome.fingerprint, baseCodes };
}

interface Topology {
  url: string;
  cluster?: TestRedisCluster;
  stop(): Promise<void>;
}

const topologies: Array<[string, () => Promise<Topology>]> = [
  [
    'a single node',
    async () => {
      const redis = await startRedisServer();
      return { url: redis.url, stop: () => redis.stop() };
    },
  ],
  [
    'a 3-master Redis Cluster',
    async () => {
      const cluster = await startRedisCluster({ masters: 3 });
      return { url: cluster.url, cluster, stop: () => cluster.stop() };
    },
  ],
];

/**
 * Starts a Redis of the describe's own (single node or cluster), an ingest
 * connection for the Fanout (as the producer has) and a worker connection for
 * the test's own reads, which wait out a busy machine instead of timing out.
 */
function useTopology(startTopology: () => Promise<Topology>) {
  const state = {} as { topology: Topology; connection: RedisClient; reader: RedisClient };
  beforeAll(async () => {
    state.topology = await startTopology();
    state.connection = createRedisConnection(state.topology.url, 'ingest', { commandTimeoutMs: 2000 });
    state.reader = createRedisConnection(state.topology.url, 'worker');
    for (const client of [state.connection, state.reader]) client.on('error', () => undefined);
    await Promise.all([waitForReady(state.connection), waitForReady(state.reader)]);
  });
  afterAll(async () => {
    state.connection.disconnect();
    state.reader.disconnect();
    await state.topology.stop();
  });

  function setup() {
    const { connection, reader } = state;
    const prefix = uniquePrefix();
    const fanout = new Fanout(connection, { prefix, idempotencyTtlSeconds: 600, jobPolicy: DEFAULT_DELIVERY_JOB_POLICY });
    const queues = new Map<string, Queue>();
    const queueOf = (baseCode: string): Queue => {
      let queue = queues.get(baseCode);
      if (!queue) {
        queue = new Queue(subscriptionQueueName(baseCode), { connection: reader, prefix });
        queues.set(baseCode, queue);
      }
      return queue;
    };
    /** The eventIds waiting in a subscription's queue, sorted. */
    const waiting = async (baseCode: string): Promise<string[]> =>
      (await queueOf(baseCode).getWaiting(0, -1)).map((job) => (job.data as { event: { eventId: string } }).event.eventId).sort();
    return {
      prefix,
      fanout,
      queueOf,
      waiting,
      async close() {
        await fanout.close();
        await Promise.all([...queues.values()].map((q) => q.close()));
      },
    };
  }
  return { state, setup };
}

describe.each(topologies)('Fanout on %s', (_name, startTopology) => {
  const { state, setup } = useTopology(startTopology);

  it('puts each event into the queue of every subscription once; a repeat is a duplicate that queues nothing', async () => {
    const ctx = setup();
    try {
      const baseCodes = Array.from({ length: 12 }, (_, i) => `SUB${i}`);
      const items = Array.from({ length: 40 }, (_, i) => item(`ev-${i}`, baseCodes.filter((_, b) => (i + b) % 3 !== 0)));
      const results = await ctx.fanout.publish(items);
      expect(results).toEqual(items.map((it) => ({ eventId: it.event.eventId, duplicate: false, queuedFor: it.baseCodes.length })));
      for (const baseCode of baseCodes) {
        const expected = items.filter((it) => it.baseCodes.includes(baseCode)).map((it) => it.event.eventId).sort();
        expect(await ctx.waiting(baseCode)).toEqual(expected);
      }
      const job = await ctx.queueOf('SUB1').getJob(deliveryJobId('ev-0'));
      expect(job?.data.event.eventId).toBe('ev-0');

      const again = await ctx.fanout.publish(items);
      expect(again).toEqual(items.map((it) => ({ eventId: it.event.eventId, duplicate: true, queuedFor: it.baseCodes.length })));
      for (const baseCode of baseCodes) {
        expect(await ctx.queueOf(baseCode).getWaitingCount()).toBe(items.filter((it) => it.baseCodes.includes(baseCode)).length);
      }
    } finally {
      await ctx.close();
    }
  });

  it('appends the jobs of ordered subscriptions to their work order lines in the MULTI that queues them, in acceptance order', async () => {
    const ctx = setup();
    try {
      // Two requests; events of three work orders interleaved; ORD keeps orders in line, FREE does not.
      const ordered = (eventId: string, order: string): FanoutItem => {
        const outcome = validator.validate({ eventId, dataArea: 'fwwt', changeId: 4, data: { serviceOrderId: order } });
        if (!outcome.ok) throw new Error('bad test event');
        return { event: outcome.event, fingerprint: outcome.fingerprint, baseCodes: ['ORD', 'FREE'], orderedBaseCodes: ['ORD'] };
      };
      const first = Array.from({ length: 9 }, (_, i) => ordered(`line-${i}`, `o${i % 3}`));
      const second = Array.from({ length: 6 }, (_, i) => ordered(`line-${9 + i}`, `o${i % 3}`));
      await ctx.fanout.publish(first);
      await ctx.fanout.publish(second);
      // A repeated request queues nothing, and puts nothing in line again.
      await ctx.fanout.publish(first);
      for (let o = 0; o < 3; o++) {
        const orderKey = first[o]!.event.orderKey!;
        const expected = [...first, ...second].filter((it) => it.event.orderKey === orderKey).map((it) => deliveryJobId(it.event.eventId));
        expect(expected).toHaveLength(5);
        expect(await state.reader.lrange(orderLineKey(ctx.prefix, 'ORD', orderKey), 0, -1)).toEqual(expected);
        expect(await state.reader.exists(orderLineKey(ctx.prefix, 'FREE', orderKey))).toBe(0);
        // Only the job that made its line is marked first in line; the worker lets it go without asking the gate.
        const marks = await Promise.all(expected.map((jobId) => state.reader.hget(`${ctx.prefix}:${subscriptionQueueName('ORD')}:${jobId}`, 'progress')));
        expect(marks).toEqual([FIRST_IN_LINE_JSON, null, null, null, null]);
      }
      expect(await ctx.waiting('FREE')).toHaveLength(15);
      const freeMarks = await Promise.all(first.map((it) => state.reader.hget(`${ctx.prefix}:${subscriptionQueueName('FREE')}:${deliveryJobId(it.event.eventId)}`, 'progress')));
      expect(freeMarks.every((mark) => mark === null)).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  it('wakes each queue that got jobs with the number of jobs it got, and only for jobs it queued', async () => {
    const ctx = setup();
    const subscriber = state.reader.duplicate();
    subscriber.on('error', () => undefined);
    const messages: string[] = [];
    try {
      await subscriber.subscribe(wakeChannel(ctx.prefix));
      subscriber.on('message', (_channel: string, message: string) => messages.push(message));
      const items = [item('wake-1', ['A', 'B']), item('wake-2', ['A']), item('wake-3', ['A', 'C'])];
      await ctx.fanout.publish(items);
      // A repeat queues nothing: nothing to announce.
      await ctx.fanout.publish(items.slice(0, 2));
      await ctx.fanout.publish([item('wake-4', ['B'])]);
      await waitUntil(() => messages.length >= 2, { description: 'two wake-up messages' });
      const counts = messages.map((m) => Object.fromEntries(readWakeMessage(m).map((w) => [w.baseCode, w.jobs])));
      // On a cluster a PUBLISH reaches the subscriber's node over the cluster bus: two messages may arrive in either order.
      expect(counts).toHaveLength(2);
      expect(counts).toEqual(expect.arrayContaining([{ A: 3, B: 1, C: 1 }, { B: 1 }]));
    } finally {
      subscriber.disconnect();
      await ctx.close();
    }
  });

  it('rejects a whole batch when any eventId conflicts, and leaves no claim or job of it behind', async () => {
    const ctx = setup();
    try {
      await ctx.fanout.publish([item('known', ['A'])]);
      const fresh = Array.from({ length: 40 }, (_, i) => item(`fresh-${i}`, ['A', 'B']));
      // The batch spans many idempotency buckets: on a cluster, many separate claim scripts.
      expect(new Set(fresh.map((it) => idempotencyBucket(it.event.eventId))).size).toBeGreaterThan(10);
      const batch = [...fresh.slice(0, 20), item('known', ['A'], 'changed'), ...fresh.slice(20)];

      const err = await ctx.fanout.publish(batch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OrderbusError);
      expect((err as OrderbusError).code).toBe('event_conflict');
      expect((err as OrderbusError).details).toEqual({ conflicts: [{ index: 20, eventId: 'known' }] });
      expect(await ctx.waiting('A')).toEqual(['known']);
      expect(await ctx.waiting('B')).toEqual([]);
      const records = await Promise.all(fresh.map((it) => state.reader.get(idempotencyKey(ctx.prefix, it.event.eventId))));
      expect(records.filter((r) => r !== null)).toEqual([]);

      // The fresh events were not claimed: they are new when sent without the conflict.
      const results = await ctx.fanout.publish(fresh);
      expect(results.every((r) => !r.duplicate)).toBe(true);
      expect(await ctx.waiting('B')).toHaveLength(40);
    } finally {
      await ctx.close();
    }
  });

  it('writes a request of more than JOBS_PER_TRANSACTION jobs in several MULTIs, every job once', async () => {
    const ctx = setup();
    try {
      const baseCodes = Array.from({ length: 20 }, (_, i) => `BIG${i}`);
      const perTransaction = Math.floor(JOBS_PER_TRANSACTION / 20);
      // Each event its own work order, so only the job count decides the split.
      const items = Array.from({ length: 3 * perTransaction + 1 }, (_, i) => item(`big-${i}`, baseCodes, 'first', `order-${i}`));
      const execsBefore = state.topology.cluster ? 0 : await execCalls(state.reader);
      const results = await ctx.fanout.publish(items);
      expect(results.every((r) => !r.duplicate && r.queuedFor === 20)).toBe(true);
      const expected = items.map((it) => it.event.eventId).sort();
      for (const baseCode of baseCodes) expect(await ctx.waiting(baseCode)).toEqual(expected);
      // A single node: four transactions, the last with one event (a cluster writes one per queue anyway).
      if (!state.topology.cluster) expect((await execCalls(state.reader)) - execsBefore).toBe(4);
    } finally {
      await ctx.close();
    }
  });

  it('completes a claim left pending by a crash: the retry fills the missing queues without duplicating the written ones', async () => {
    const ctx = setup();
    try {
      const crashed = item('crashed', ['A', 'B', 'C']);
      // The crash: claimed, and only queue A written, never confirmed.
      await state.reader.eval(CLAIM_SCRIPT, 1, idempotencyKey(ctx.prefix, 'crashed'), 600, crashed.fingerprint);
      await ctx.queueOf('A').add('x', { event: crashed.event }, { jobId: deliveryJobId('crashed') });

      expect(await ctx.fanout.publish([crashed])).toEqual([{ eventId: 'crashed', duplicate: false, queuedFor: 3 }]);
      for (const baseCode of ['A', 'B', 'C']) expect(await ctx.waiting(baseCode)).toEqual(['crashed']);
      expect(await ctx.fanout.publish([crashed])).toEqual([{ eventId: 'crashed', duplicate: true, queuedFor: 3 }]);
    } finally {
      await ctx.close();
    }
  });
});

describe('Fanout on a single node when one of its transactions fails', () => {
  const { state, setup } = useTopology(topologies[0]![1]);

  it("writes no later event of a work order when an earlier transaction fails; the retry puts them in line in order", async () => {
    const ctx = setup();
    try {
      const baseCodes = Array.from({ length: 10 }, (_, i) => `FAIL${i}`);
      const perTransaction = JOBS_PER_TRANSACTION / 10;
      // o-a's events sit in the first and the second transaction; o-x's line key holds a string, so the first one's
      // line appends fail.
      const orderOf = (i: number): string => (i === 1 || i === perTransaction + 1 ? 'o-a' : i === 0 ? 'o-x' : `o-${i}`);
      const items = Array.from({ length: 2 * perTransaction }, (_, i) => ({
        ...item(`fail-${i}`, baseCodes, 'first', orderOf(i)),
        orderedBaseCodes: baseCodes,
      }));
      const badLine = orderLineKey(ctx.prefix, 'FAIL0', 'o-x');
      await state.reader.set(badLine, 'not a list');

      await expect(ctx.fanout.publish(items)).rejects.toThrow(/WRONGTYPE/);
      // The second transaction was never sent: o-a's later event is not queued, so it cannot go ahead of the first.
      // (Redis does not undo the jobs an EXEC added before a command in it failed: the first transaction's jobs
      // are queued, without their place in line until the retry appends them.)
      expect(await ctx.queueOf('FAIL3').getJob(deliveryJobId(`fail-${perTransaction + 1}`))).toBeUndefined();
      expect(await ctx.queueOf('FAIL3').getJob(deliveryJobId('fail-1'))).toBeDefined();
      for (const baseCode of baseCodes) expect(await state.reader.lrange(orderLineKey(ctx.prefix, baseCode, 'o-a'), 0, -1)).toEqual([]);

      await state.reader.del(badLine);
      await ctx.fanout.publish(items);
      const expected = [1, perTransaction + 1].map((i) => deliveryJobId(`fail-${i}`));
      for (const baseCode of baseCodes) expect(await state.reader.lrange(orderLineKey(ctx.prefix, baseCode, 'o-a'), 0, -1)).toEqual(expected);
      expect(await ctx.waiting('FAIL3')).toHaveLength(2 * perTransaction);
    } finally {
      await ctx.close();
    }
  });
});

describe('Fanout on a Redis Cluster when a master dies', () => {
  // Without full coverage required, the other masters keep serving their slots while one is down.
  const { state, setup } = useTopology(async () => {
    const cluster = await startRedisCluster({ masters: 3, args: ['--cluster-require-full-coverage', 'no'] });
    return { url: cluster.url, cluster, stop: () => cluster.stop() };
  });

  it('a master dying mid fan-out fails the ingest; the retry completes every queue exactly once', async () => {
    const cluster = state.topology.cluster!;
    const ctx = setup();
    try {
      const down = cluster.ports[0]!;
      const candidates = Array.from({ length: 40 }, (_, i) => `Q${i}`);
      const owners = await Promise.all(candidates.map((b) => cluster.portOf(`${ctx.prefix}:${subscriptionQueueName(b)}:wait`)));
      const onDown = candidates.filter((_, i) => owners[i] === down).slice(0, 2);
      const onLive = candidates.filter((_, i) => owners[i] !== down).slice(0, 4);
      expect(onDown).toHaveLength(2);
      expect(onLive).toHaveLength(4);
      let eventId = '';
      for (let i = 0; !eventId; i++) {
        if ((await cluster.portOf(idempotencyKey(ctx.prefix, `mid-${i}`))) !== down) eventId = `mid-${i}`;
      }
      const event = item(eventId, [...onLive, ...onDown]);

      await cluster.kill(down);
      const err = await ctx.fanout.publish([event]).catch((e: unknown) => e);
      expect(isRedisUnavailable(err) ? 'unavailable' : err).toBe('unavailable');
      // The live masters took their queues' jobs; the claim stays pending.
      for (const baseCode of onLive) expect(await ctx.waiting(baseCode)).toEqual([eventId]);
      expect(await state.reader.get(idempotencyKey(ctx.prefix, eventId))).toBe(`${event.fingerprint}|pending|`);

      await cluster.start(down);
      const retried = await waitUntil(() => ctx.fanout.publish([event]).catch(() => undefined), {
        timeoutMs: 60_000,
        intervalMs: 200,
        description: 'the retried ingest to succeed',
      });
      expect(retried).toEqual([{ eventId, duplicate: false, queuedFor: 6 }]);
      for (const baseCode of [...onLive, ...onDown]) expect(await ctx.waiting(baseCode)).toEqual([eventId]);
      expect(await ctx.fanout.publish([event])).toEqual([{ eventId, duplicate: true, queuedFor: 6 }]);
    } finally {
      await ctx.close();
    }
    // A restarted master rejoins in seconds on a quiet machine, much later on a busy one (the wait above allows 60 s).
  }, 90_000);
});

/** How many EXECs Redis has run (INFO commandstats). */
async function execCalls(client: RedisClient): Promise<number> {
  const info = await client.info('commandstats');
  return Number(/cmdstat_exec:calls=(\d+)/.exec(info)?.[1] ?? 0);
}
