import { execFileSync } from 'node:child_process';
import { startRedis } from '../support/redis';
import { startStack } from '../support/stack';
import { openLoop } from '../support/load';
import { EventFactory } from '../support/events';
import { BareProducer, bareJobOptions, startBareWorker } from '../baselines/bare-bullmq';
import { distribution, now, round, tailSpread, type Distribution, type TailSpread } from '../support/stats';
import { StepWatch, slowDuringRewrites, type StepStalls } from '../support/step-watch';
import { orderbusDelivery } from './delivery-run';
import type { Row, RunContext, ScenarioResult } from '../results';

const SUBSCRIPTIONS = 10;
const MAX_IN_FLIGHT = 512;

export interface LatencyStep {
  fraction: number;
  offeredEventsPerSecond: number;
  offeredDeliveriesPerSecond: number;
  sent: number;
  skipped: number;
  failed: number;
  delivered: number;
  achievedDeliveriesPerSecond: number;
  /** Producer acknowledgement (202 received) to arrival at the receiver, ms. */
  ackToArrival: Distribution;
  /** Request sent to arrival, ms. */
  sendToArrival: Distribution;
  /** Request sent to acknowledgement, ms. */
  ack: Distribution;
  /** Where the slowest 1 % of ack→arrival samples fall in time (stalls or spread). */
  tail: TailSpread;
  /** AOF rewrites that ran (at least partly) during the step, and how many of the slowest 1 % arrived during one or within 250 ms of its end. */
  aofRewrites: { count: number; slowDuring: number };
  /** What else stalled during the step: Redis's latency events, the apps' event-loop delay and GC pauses. */
  stalls: Omit<StepStalls, 'rewrites'>;
}

/**
 * Latency under open-loop load: single events (as a work-order system sends
 * them) at 25/50/75/90 % of the end-to-end maximum measured by the delivery
 * scenario, 10 subscriptions; per delivery, the time from the producer's 202
 * to the arrival at the receiver. Baseline (a) at the same offered rates:
 * Queue.add into the 10 queues, "acknowledged" when all adds returned. Both
 * stacks run side by side and take turns at each step.
 */
export async function latency(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const orderbus: LatencyStep[] = [];
  const bare: LatencyStep[] = [];

  ctx.log('latency: orderbus and bare BullMQ taking turns at each load step');
  const stack = await startStack({ label: 'latency', runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: SUBSCRIPTIONS, logLevel: config.logLevel });
  const redis = await startRedis();
  const queues = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `bare-${i + 1}`);
  let worker: Awaited<ReturnType<typeof startBareWorker>> | undefined;
  let producer: BareProducer | undefined;
  try {
    await stack.startWorker();
    worker = await startBareWorker(redis.url, queues, 10, ctx.receiver);
    const bareProducer = (producer = new BareProducer(redis.url, queues));
    if (ctx.deliveryMaxPerSecond === undefined) {
      const probe = await orderbusDelivery(ctx, stack, { events: Math.min(1000, config.deliveryEvents) });
      ctx.deliveryMaxPerSecond = probe.deliveriesPerSecond;
      ctx.log(`  maximum (measured here, the delivery scenario did not run): ${Math.round(probe.deliveriesPerSecond)} deliveries/s`);
    }
    const max = ctx.deliveryMaxPerSecond;
    const watched = { orderbus: { redisUrl: stack.redis.url, apps: { producer: stack.producer.url, worker: stack.worker!.url } }, bare: { redisUrl: redis.url } };
    const sendOrderbus = async (id: string): Promise<void> => {
      if ((await stack.send(ctx.factory.envelope(id, EventFactory.orderKey(Number(id.slice(id.lastIndexOf('-') + 1)))))) !== 202) throw new Error('not accepted');
    };
    const sendBare = async (id: string): Promise<void> => {
      const data = { event: ctx.factory.event(id, EventFactory.orderKey(1)) };
      await Promise.all(bareProducer.queues.map((q) => q.add('new-order', data, bareJobOptions(id))));
    };
    // Warm the connections and the workers' JIT before the first measured step.
    const warmRate = Math.max(10, (0.25 * max) / SUBSCRIPTIONS);
    await step(ctx, warmRate, 1, sendOrderbus, watched.orderbus);
    await step(ctx, warmRate, 1, sendBare, watched.bare);
    // Turns at each step, orderbus first: a busy moment of this shared machine (the scenario before
    // still writing back its files, another tenant) falls on both sides rather than on the one run first.
    for (const fraction of config.latencyFractions) {
      const rate = (fraction * max) / SUBSCRIPTIONS;
      settle();
      const o = await step(ctx, rate, config.latencySeconds, sendOrderbus, watched.orderbus);
      orderbus.push({ ...o, fraction });
      settle();
      const b = await step(ctx, rate, config.latencySeconds, sendBare, watched.bare);
      bare.push({ ...b, fraction });
      const text = (d: Distribution): string => `${d.p50.toFixed(1)}/${d.p95.toFixed(1)}/${d.p99.toFixed(1)}`;
      ctx.log(
        `  ${Math.round(fraction * 100)} %: ${Math.round(rate)} events/s, p50/p95/p99 ${text(o.ackToArrival)} ms, AOF rewrites / slowest in one ${rewritesText(o)}, stalls ${stallsText(o.stalls)}` +
          ` (bare BullMQ ${text(b.ackToArrival)}, ${rewritesText(b)}, Redis ${stallsText(b.stalls)})`,
      );
    }
  } finally {
    await stack.close();
    await producer?.close();
    await worker?.stop();
    await redis.stop();
  }

  const rows: Row[] = [];
  for (const o of orderbus) {
    const b = bare.find((x) => x.fraction === o.fraction);
    const pct = Math.round(o.fraction * 100);
    rows.push({
      scenario: `latency at ${pct} % load`,
      measure: `ack→arrival p50 / p95 / p99 ms (${Math.round(o.offeredEventsPerSecond)} events/s × 10 subs)`,
      orderbus: `${fmt(o.ackToArrival.p50)} / ${fmt(o.ackToArrival.p95)} / ${fmt(o.ackToArrival.p99)}`,
      ...(b ? { baseline: `${fmt(b.ackToArrival.p50)} / ${fmt(b.ackToArrival.p95)} / ${fmt(b.ackToArrival.p99)}`, baselineLabel: 'bare BullMQ (a), same rate' } : {}),
      ...(b ? { ratio: o.ackToArrival.p99 / b.ackToArrival.p99 } : {}),
      ...(o.fraction === 0.5 ? { target: 'p99 < 20 ms', pass: o.ackToArrival.p99 < 20 } : {}),
    });
    rows.push({
      scenario: `latency at ${pct} % load`,
      measure: 'slowest 1 %: windows of 100 ms holding them / share in the fullest 3 (few windows: stalls)',
      orderbus: tailText(o.tail),
      ...(b ? { baseline: tailText(b.tail), baselineLabel: 'bare BullMQ (a)' } : {}),
    });
    rows.push({
      scenario: `latency at ${pct} % load`,
      measure: 'AOF rewrites during the step / of the slowest 1 %, arrived during one (or ≤ 250 ms after)',
      orderbus: rewritesText(o),
      ...(b ? { baseline: rewritesText(b), baselineLabel: 'bare BullMQ (a)' } : {}),
    });
    rows.push({
      scenario: `latency at ${pct} % load`,
      measure: 'longest stall, ms: Redis latency event (kind) / producer, worker event loop held (GC pauses over 10 ms)',
      orderbus: stallsText(o.stalls),
      ...(b ? { baseline: stallsText(b.stalls), baselineLabel: 'bare BullMQ (a): Redis' } : {}),
    });
    rows.push({
      scenario: `latency at ${pct} % load`,
      measure: 'achieved / offered deliveries/s',
      orderbus: `${Math.round(o.achievedDeliveriesPerSecond)} / ${Math.round(o.offeredDeliveriesPerSecond)}`,
      ...(b ? { baseline: `${Math.round(b.achievedDeliveriesPerSecond)} / ${Math.round(b.offeredDeliveriesPerSecond)}`, baselineLabel: 'bare BullMQ (a)' } : {}),
    });
  }
  return { name: 'latency', rows, data: { maxDeliveriesPerSecond: ctx.deliveryMaxPerSecond, orderbus, bare } };
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}

function tailText(tail: TailSpread): string {
  return `${tail.windows} / ${Math.round(tail.topThreeShare * 100)} %`;
}

function stallsText(stalls: LatencyStep['stalls']): string {
  const worst = Object.entries(stalls.redisEvents).sort((a, b) => b[1] - a[1])[0];
  const redis = worst ? `${worst[1]} (${worst[0]})` : '< 5';
  const apps = Object.entries(stalls.apps).map(([, app]) => `${fmt(app.eventLoopMaxMs)} (${app.gcPausesOver10ms})`);
  return [redis, ...apps].join(' / ');
}

function rewritesText(step: Pick<LatencyStep, 'aofRewrites' | 'tail'>): string {
  return `${step.aofRewrites.count} / ${step.aofRewrites.slowDuring} of ${step.tail.slow}`;
}

/** Writes dirty pages back before a step (Linux `sync`), so no earlier step's AOF is flushed during it. */
function settle(): void {
  try {
    execFileSync('sync');
  } catch {
    // Not on Linux: nothing to flush this way.
  }
}

/**
 * One open-loop step: `rate` events/s for `seconds`; each event's send and
 * acknowledgement times are kept, and every arrival is matched to them. The
 * first 10 % of the step's events are a warm-up and left out.
 */
async function step(
  ctx: RunContext,
  rate: number,
  seconds: number,
  sendEvent: (id: string) => Promise<void>,
  watched: { redisUrl: string; apps?: Record<string, string> },
): Promise<Omit<LatencyStep, 'fraction'>> {
  await ctx.receiver.reset(true);
  const watch = await StepWatch.start(watched.redisUrl, watched.apps);
  const sentAt = new Map<string, number>();
  const ackAt = new Map<string, number>();
  const ids: string[] = [];
  let load: Awaited<ReturnType<typeof openLoop>>;
  try {
    load = await openLoop({
      ratePerSecond: rate,
      seconds,
      maxInFlight: MAX_IN_FLIGHT,
      send: async () => {
        const id = ctx.factory.nextId();
        ids.push(id);
        sentAt.set(id, now());
        await sendEvent(id);
        ackAt.set(id, now());
      },
    });
    await ctx.receiver.waitFor(ackAt.size * SUBSCRIPTIONS, Math.min(60_000, ctx.config.drainTimeoutMs));
  } catch (err) {
    // A failed step stops its watch too: the watch's poll loop would keep the run from exiting.
    await watch.stop().catch(() => undefined);
    throw err;
  }
  const { rewrites, ...stalls } = await watch.stop();
  const arrivals = await ctx.receiver.arrivals();
  const measured = new Set(ids.slice(Math.floor(ids.length / 10)));
  /** [arrival time, ack→arrival] of each measured delivery. */
  const timed: Array<[number, number]> = [];
  const sendToArrival: number[] = [];
  let last = 0;
  arrivals.ids.forEach((id, i) => {
    const at = arrivals.times[i]!;
    last = Math.max(last, at);
    if (!measured.has(id)) return;
    const ack = ackAt.get(id);
    const sent = sentAt.get(id);
    if (ack !== undefined) timed.push([at, at - ack]);
    if (sent !== undefined) sendToArrival.push(at - sent);
  });
  const acks = [...measured].flatMap((id) => {
    const a = ackAt.get(id);
    const s = sentAt.get(id);
    return a !== undefined && s !== undefined ? [a - s] : [];
  });
  const firstSent: number = sentAt.values().next().value ?? now();
  const ackToArrival = distribution(timed.map(([, ms]) => ms));
  return {
    offeredEventsPerSecond: round(rate, 1),
    offeredDeliveriesPerSecond: round(rate * SUBSCRIPTIONS, 1),
    sent: load.sent,
    skipped: load.skipped,
    failed: load.failed,
    delivered: arrivals.count,
    achievedDeliveriesPerSecond: arrivals.count / Math.max(0.001, (last - firstSent) / 1000),
    ackToArrival: rounded(ackToArrival),
    sendToArrival: rounded(distribution(sendToArrival)),
    ack: rounded(distribution(acks)),
    tail: tailSpread(timed, ackToArrival.p99),
    aofRewrites: { count: rewrites.length, slowDuring: slowDuringRewrites(timed, ackToArrival.p99, rewrites) },
    stalls,
  };
}

function rounded(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max), mean: round(d.mean) };
}
