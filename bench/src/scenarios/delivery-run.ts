import { startRedis } from '../support/redis';
import type { Stack } from '../support/stack';
import { closedLoop } from '../support/load';
import { CpuMeter } from '../support/proc';
import { commandStats, commandStatsDelta } from '../support/redis-info';
import { BareProducer, bareEvents, startBareWorker, type BareWorker } from '../baselines/bare-bullmq';
import { round, sleep } from '../support/stats';
import type { Arrivals } from '../support/receiver';
import type { RunContext } from '../results';
import { monitorCommands, type MonitorCount } from '../report/redis-monitor';

export interface DeliveryRun {
  events: number;
  subscriptions: number;
  expected: number;
  delivered: number;
  complete: boolean;
  /** First send to last arrival. */
  seconds: number;
  deliveriesPerSecond: number;
  eventsPerSecond: number;
  /** First send to last acknowledgement of the ingest. */
  ingestSeconds: number;
  /** CPU microseconds per delivery, per process. */
  cpuUsPerDelivery: Record<string, number>;
  /** Redis top-level and script-internal command calls per delivery (INFO commandstats), busiest first. */
  redisCallsPerDelivery?: Array<{ command: string; calls: number; usecPerDelivery: number }>;
  arrivals?: Arrivals;
  /** Top-level Redis commands by connection, when the run was made under MONITOR. */
  monitor?: MonitorCount[];
  /** The run's window on CLOCK_MONOTONIC (µs): first send to last arrival, to cut CPU profiles to it. */
  windowUs: { fromUs: number; toUs: number };
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

const BATCH = 100;
/** After the last arrival, CPU is still counted this long (both sides): writes that follow a delivery are part of its cost. */
const SETTLE_MS = 300;

/**
 * Sends `events` events (batches of `batch`, `lanes` requests at a time) to
 * the stack's producer, its worker already serving, and waits until the
 * receiver got every delivery: throughput is first send to last arrival.
 */
export async function orderbusDelivery(
  ctx: RunContext,
  stack: Stack,
  options: { events: number; batch?: number; lanes?: number; orderOf?: (seq: number) => number; record?: boolean },
): Promise<DeliveryRun> {
  const batch = options.batch ?? BATCH;
  const subscriptions = stack.baseCodes.length;
  const expected = options.events * subscriptions;
  const bodies = Array.from({ length: Math.ceil(options.events / batch) }, (_, i) =>
    ctx.factory.batch(Math.min(batch, options.events - i * batch), options.orderOf).body,
  );
  await ctx.receiver.reset(options.record ?? false);
  const statsBefore = await commandStats(stack.client);
  const meter = new CpuMeter({
    producer: stack.producer.pid,
    worker: stack.worker?.pid,
    redis: stack.redis.process?.pid,
    receiver: ctx.receiver.pid,
    bench: process.pid,
  });
  let rejected = 0;
  const fromUs = monotonicUs();
  const sent = await closedLoop(bodies.length, options.lanes ?? 2, async (i) => {
    const status = await stack.send(bodies[i]!);
    if (status !== 202) rejected += 1;
  });
  if (rejected > 0) ctx.log(`  ${rejected} ingest request(s) were not accepted`);
  const done = await ctx.receiver.waitFor(expected, ctx.config.drainTimeoutMs);
  // The CPU of the bookkeeping after the last arrival belongs to this run (attempt records wait up to 100 ms).
  await sleep(SETTLE_MS);
  const toUs = monotonicUs();
  const cpu = meter.stop();
  const statsAfter = await commandStats(stack.client);
  const seconds = (done.lastAt - sent.firstSentAt) / 1000;
  const delivered = done.count;
  const run: DeliveryRun = {
    events: options.events,
    subscriptions,
    expected,
    delivered,
    complete: done.ok,
    seconds,
    deliveriesPerSecond: delivered / seconds,
    eventsPerSecond: delivered / subscriptions / seconds,
    ingestSeconds: (sent.lastAckAt - sent.firstSentAt) / 1000,
    cpuUsPerDelivery: perDelivery(cpu.cpuSeconds, delivered),
    windowUs: { fromUs, toUs },
    redisCallsPerDelivery: commandStatsDelta(statsBefore, statsAfter).map((d) => ({
      command: d.command,
      calls: round(d.calls / Math.max(1, delivered), 3),
      usecPerDelivery: round(d.usec / Math.max(1, delivered), 2),
    })),
  };
  if (options.record) run.arrivals = await ctx.receiver.arrivals();
  if (!done.ok) ctx.log(`  incomplete: ${delivered} of ${expected} deliveries arrived within ${ctx.config.drainTimeoutMs} ms`);
  return run;
}

/** Baseline (a) set up once for several runs: its own redis-server, the bare worker process and producer. */
export interface BareStack {
  /** One end-to-end run: the events added with addBulk per queue, waited for at the receiver. */
  run(options: { events: number; orderOf?: (i: number) => number; monitor?: boolean }): Promise<DeliveryRun>;
  close(): Promise<void>;
}

/**
 * Baseline (a) end to end: its own redis-server (AOF everysec), the bare
 * BullMQ worker process (one Worker per queue, same concurrency), the same
 * events added with addBulk per queue, the same receiver.
 */
export async function startBareStack(
  ctx: RunContext,
  options: { subscriptions: number; concurrency: number; profileDir?: string },
): Promise<BareStack> {
  const redis = await startRedis();
  const queues = Array.from({ length: options.subscriptions }, (_, i) => `bare-${i + 1}`);
  let worker: BareWorker | undefined;
  let producer: BareProducer | undefined;
  const close = async (): Promise<void> => {
    await producer?.close();
    await worker?.stop();
    await redis.stop();
  };
  try {
    worker = await startBareWorker(redis.url, queues, options.concurrency, ctx.receiver, options.profileDir);
    producer = new BareProducer(redis.url, queues);
  } catch (err) {
    await close();
    throw err;
  }
  const bareWorker = worker;
  const bareProducer = producer;
  return {
    close,
    async run({ events, orderOf, monitor: underMonitor }) {
      const expected = events * options.subscriptions;
      const batches = Array.from({ length: Math.ceil(events / BATCH) }, (_, i) =>
        bareEvents(ctx.factory, Math.min(BATCH, events - i * BATCH), orderOf ? (k) => orderOf(i * BATCH + k) : undefined),
      );
      await ctx.receiver.reset(false);
      const meter = new CpuMeter({ worker: bareWorker.pid, redis: redis.process?.pid, receiver: ctx.receiver.pid, bench: process.pid });
      const fromUs = monotonicUs();
      let sent = { firstSentAt: 0, lastAckAt: 0 };
      let done = { ok: false, count: 0, firstAt: 0, lastAt: 0 };
      const work = async (): Promise<void> => {
        sent = await closedLoop(batches.length, 2, async (i) => {
          await bareProducer.addBulk(batches[i]!);
        });
        done = await ctx.receiver.waitFor(expected, ctx.config.drainTimeoutMs);
      };
      const monitor = underMonitor ? await monitorCommands(bareProducer.connection, work) : (await work(), undefined);
      await sleep(SETTLE_MS);
      const toUs = monotonicUs();
      const cpu = meter.stop();
      const seconds = (done.lastAt - sent.firstSentAt) / 1000;
      if (!done.ok) ctx.log(`  bare: incomplete: ${done.count} of ${expected}`);
      return {
        events,
        subscriptions: options.subscriptions,
        expected,
        delivered: done.count,
        complete: done.ok,
        seconds,
        deliveriesPerSecond: done.count / seconds,
        eventsPerSecond: done.count / options.subscriptions / seconds,
        ingestSeconds: (sent.lastAckAt - sent.firstSentAt) / 1000,
        cpuUsPerDelivery: perDelivery(cpu.cpuSeconds, done.count),
        windowUs: { fromUs, toUs },
        ...(monitor ? { monitor } : {}),
      };
    },
  };
}

/** Baseline (a) for one run on a fresh stack. */
export async function bareDelivery(
  ctx: RunContext,
  options: { events: number; subscriptions: number; concurrency: number; orderOf?: (i: number) => number; profileDir?: string; monitor?: boolean },
): Promise<DeliveryRun> {
  const bare = await startBareStack(ctx, options);
  try {
    return await bare.run(options);
  } finally {
    await bare.close();
  }
}

function perDelivery(cpuSeconds: Record<string, number>, deliveries: number): Record<string, number> {
  return Object.fromEntries(Object.entries(cpuSeconds).map(([k, v]) => [k, round((v * 1e6) / Math.max(1, deliveries), 1)]));
}

/** Drops the bulky arrivals from a run before it goes into the JSON. */
export function withoutArrivals(run: DeliveryRun): Omit<DeliveryRun, 'arrivals'> {
  const { arrivals: _arrivals, ...rest } = run;
  return rest;
}
