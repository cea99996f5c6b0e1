import { startRedis } from '../support/redis';
import { startStack } from '../support/stack';
import { openLoop } from '../support/load';
import { EventFactory } from '../support/events';
import { BareProducer, bareJobOptions, startBareWorker } from '../baselines/bare-bullmq';
import { distribution, now, round, tailSpread, type Distribution, type TailSpread } from '../support/stats';
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
}

/**
 * Latency under open-loop load: single events (as a work-order system sends
 * them) at 25/50/75/90 % of the end-to-end maximum measured by the delivery
 * scenario, 10 subscriptions; per delivery, the time from the producer's 202
 * to the arrival at the receiver. Baseline (a) at the same offered rates:
 * Queue.add into the 10 queues, "acknowledged" when all adds returned.
 */
export async function latency(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const orderbus: LatencyStep[] = [];
  const bare: LatencyStep[] = [];

  ctx.log('latency: orderbus');
  const stack = await startStack({ label: 'latency', runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: SUBSCRIPTIONS, logLevel: config.logLevel });
  try {
    await stack.startWorker();
    if (ctx.deliveryMaxPerSecond === undefined) {
      const probe = await orderbusDelivery(ctx, stack, { events: Math.min(1000, config.deliveryEvents) });
      ctx.deliveryMaxPerSecond = probe.deliveriesPerSecond;
      ctx.log(`  maximum (measured here, the delivery scenario did not run): ${Math.round(probe.deliveriesPerSecond)} deliveries/s`);
    }
    const max = ctx.deliveryMaxPerSecond;
    // Warm the connections and the worker's JIT before the first measured step.
    await step(ctx, Math.max(10, (0.25 * max) / SUBSCRIPTIONS), 1, async (id) => {
      if ((await stack.send(ctx.factory.envelope(id, EventFactory.orderKey(0)))) !== 202) throw new Error('not accepted');
    });
    for (const fraction of config.latencyFractions) {
      const rate = (fraction * max) / SUBSCRIPTIONS;
      const s = await step(ctx, rate, config.latencySeconds, async (id) => {
        if ((await stack.send(ctx.factory.envelope(id, EventFactory.orderKey(Number(id.slice(id.lastIndexOf('-') + 1)))))) !== 202) {
          throw new Error('not accepted');
        }
      });
      orderbus.push({ ...s, fraction });
      ctx.log(`  ${Math.round(fraction * 100)} %: ${Math.round(rate)} events/s, p50/p95/p99 ${s.ackToArrival.p50.toFixed(1)}/${s.ackToArrival.p95.toFixed(1)}/${s.ackToArrival.p99.toFixed(1)} ms`);
    }
  } finally {
    await stack.close();
  }

  ctx.log('latency: bare BullMQ at the same offered rates');
  const redis = await startRedis();
  const queues = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `bare-${i + 1}`);
  const worker = await startBareWorker(redis.url, queues, 10, ctx.receiver);
  const producer = new BareProducer(redis.url, queues);
  try {
    const send = async (id: string): Promise<void> => {
      const data = { event: ctx.factory.event(id, EventFactory.orderKey(1)) };
      await Promise.all(producer.queues.map((q) => q.add('new-order', data, bareJobOptions(id))));
    };
    await step(ctx, Math.max(10, (0.25 * ctx.deliveryMaxPerSecond) / SUBSCRIPTIONS), 1, send);
    for (const fraction of config.latencyFractions) {
      const rate = (fraction * ctx.deliveryMaxPerSecond) / SUBSCRIPTIONS;
      const s = await step(ctx, rate, config.latencySeconds, send);
      bare.push({ ...s, fraction });
      ctx.log(`  ${Math.round(fraction * 100)} %: p50/p95/p99 ${s.ackToArrival.p50.toFixed(1)}/${s.ackToArrival.p95.toFixed(1)}/${s.ackToArrival.p99.toFixed(1)} ms`);
    }
  } finally {
    await producer.close();
    await worker.stop();
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

/**
 * One open-loop step: `rate` events/s for `seconds`; each event's send and
 * acknowledgement times are kept, and every arrival is matched to them. The
 * first 10 % of the step's events are a warm-up and left out.
 */
async function step(ctx: RunContext, rate: number, seconds: number, sendEvent: (id: string) => Promise<void>): Promise<Omit<LatencyStep, 'fraction'>> {
  await ctx.receiver.reset(true);
  const sentAt = new Map<string, number>();
  const ackAt = new Map<string, number>();
  const ids: string[] = [];
  const load = await openLoop({
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
  const expected = ackAt.size * SUBSCRIPTIONS;
  await ctx.receiver.waitFor(expected, Math.min(60_000, ctx.config.drainTimeoutMs));
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
  };
}

function rounded(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max), mean: round(d.mean) };
}
