import { startStack } from '../support/stack';
import { clientList, newConnections } from '../support/redis-info';
import { cpuSeconds } from '../support/proc';
import { median, round, sleep } from '../support/stats';
import { orderbusDelivery, startBareStack, withoutArrivals, type DeliveryRun } from './delivery-run';
import type { RunContext, ScenarioResult } from '../results';

const SUBSCRIPTIONS = 10;
const CONCURRENCY = 10;
/** The untimed first round of each side: JIT, connections and Redis warmed before anything is timed. */
const WARM_UP_EVENTS = 500;

/** The run with the median deliveries/s (its CPU figures go with it). */
function medianRun(runs: readonly DeliveryRun[]): DeliveryRun {
  const sorted = [...runs].sort((a, b) => a.deliveriesPerSecond - b.deliveriesPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * End to end with 10 subscriptions: N events ingested in batches of 100
 * through the producer, delivered by one worker process to the receiver;
 * delivered events/s from the first send to the last arrival. Baseline (a):
 * the same events through bare BullMQ (addBulk + one Worker per queue).
 * Both stacks stay up and warm; after one untimed round each, they take
 * turns for `deliveryRounds` rounds (A B, B A, ...), so both see the same
 * moments of a shared machine, and the ratio is the median of the rounds'
 * ratios. Also: the worker's Redis connections, RSS and idle CPU with 10
 * subscriptions (the reference for the 1,000-subscription scenario).
 */
export async function delivery(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  ctx.log(`delivery: ${config.deliveryEvents} events × ${SUBSCRIPTIONS} subscriptions, ${config.deliveryRounds} round(s) each`);
  const stack = await startStack({ label: 'delivery', runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: SUBSCRIPTIONS, logLevel: config.logLevel });
  const orderbusRuns: DeliveryRun[] = [];
  const bareRuns: DeliveryRun[] = [];
  let connections;
  let idleCpu;
  let rss;
  try {
    const before = await clientList(stack.client);
    const worker = await stack.startWorker();
    await sleep(1000);
    connections = newConnections(before, await clientList(stack.client));
    const cpu0 = cpuSeconds(worker.pid);
    await sleep(config.idleSeconds * 1000);
    idleCpu = (cpuSeconds(worker.pid) - cpu0) / config.idleSeconds;
    const bare = await startBareStack(ctx, { subscriptions: SUBSCRIPTIONS, concurrency: CONCURRENCY });
    try {
      const warmUp = Math.min(WARM_UP_EVENTS, config.deliveryEvents);
      await orderbusDelivery(ctx, stack, { events: warmUp });
      await bare.run({ events: warmUp });
      for (let round = 0; round < config.deliveryRounds; round++) {
        for (const side of round % 2 === 0 ? (['orderbus', 'bare'] as const) : (['bare', 'orderbus'] as const)) {
          if (side === 'orderbus') orderbusRuns.push(await orderbusDelivery(ctx, stack, { events: config.deliveryEvents }));
          else bareRuns.push(await bare.run({ events: config.deliveryEvents }));
        }
        ctx.log(
          `  round ${round + 1}: orderbus ${Math.round(orderbusRuns[round]!.deliveriesPerSecond)}, bare BullMQ ${Math.round(bareRuns[round]!.deliveriesPerSecond)} deliveries/s`,
        );
      }
    } finally {
      await bare.close();
    }
    rss = worker.rssBytes();
  } finally {
    await stack.close();
  }
  const orderbus = medianRun(orderbusRuns);
  const bare = medianRun(bareRuns);
  const roundRatios = orderbusRuns.map((run, i) => run.deliveriesPerSecond / bareRuns[i]!.deliveriesPerSecond);
  const ratio = median(roundRatios);

  ctx.deliveryMaxPerSecond = orderbus.deliveriesPerSecond;
  ctx.workerConnections10 = connections.total;
  ctx.workerRss10 = rss;
  ctx.workerIdleCpu10 = idleCpu;
  return {
    name: 'delivery',
    data: {
      orderbus: withoutArrivals(orderbus),
      bare,
      rounds: orderbusRuns.map((run, i) => ({ orderbus: withoutArrivals(run), bare: bareRuns[i], ratio: round(roundRatios[i]!, 3) })),
      workerConnections: connections,
      workerIdleCpuCores: round(idleCpu, 4),
      workerRssBytes: rss,
    },
    rows: [
      {
        scenario: 'end to end, 10 subs',
        measure: 'delivered events/s (deliveries/s: events × subs)',
        orderbus: Math.round(orderbus.deliveriesPerSecond),
        baseline: Math.round(bare.deliveriesPerSecond),
        baselineLabel: 'bare BullMQ (a)',
        ratio,
        target: '≥ 0.7',
        pass: ratio >= 0.7 && orderbusRuns.every((run) => run.complete) && bareRuns.every((run) => run.complete),
      },
      {
        scenario: 'end to end, 10 subs',
        measure: `ratio in each round (${config.deliveryRounds} rounds, taking turns; the one above is their median)`,
        orderbus: roundRatios.map((r) => r.toFixed(2)).join(' / '),
      },
      {
        scenario: 'end to end, 10 subs',
        measure: 'CPU µs per delivery (producer + worker + redis)',
        orderbus: Math.round((orderbus.cpuUsPerDelivery.producer ?? 0) + (orderbus.cpuUsPerDelivery.worker ?? 0) + (orderbus.cpuUsPerDelivery.redis ?? 0)),
        baseline: Math.round((bare.cpuUsPerDelivery.worker ?? 0) + (bare.cpuUsPerDelivery.redis ?? 0)),
        baselineLabel: 'bare BullMQ (a): worker + redis',
        ratio: ((orderbus.cpuUsPerDelivery.producer ?? 0) + (orderbus.cpuUsPerDelivery.worker ?? 0) + (orderbus.cpuUsPerDelivery.redis ?? 0)) /
          Math.max(1, (bare.cpuUsPerDelivery.worker ?? 0) + (bare.cpuUsPerDelivery.redis ?? 0)),
      },
      {
        scenario: 'end to end, 10 subs',
        measure: 'worker CPU µs per delivery / redis CPU µs per delivery',
        orderbus: `${Math.round(orderbus.cpuUsPerDelivery.worker ?? 0)} / ${Math.round(orderbus.cpuUsPerDelivery.redis ?? 0)}`,
        baseline: `${Math.round(bare.cpuUsPerDelivery.worker ?? 0)} / ${Math.round(bare.cpuUsPerDelivery.redis ?? 0)}`,
        baselineLabel: 'bare BullMQ (a)',
      },
    ],
  };
}
