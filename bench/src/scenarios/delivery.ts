import { startStack } from '../support/stack';
import { clientList, newConnections } from '../support/redis-info';
import { cpuSeconds } from '../support/proc';
import { round, sleep } from '../support/stats';
import { bareDelivery, orderbusDelivery, withoutArrivals } from './delivery-run';
import type { RunContext, ScenarioResult } from '../results';

const SUBSCRIPTIONS = 10;
const CONCURRENCY = 10;

/**
 * End to end with 10 subscriptions: N events ingested in batches of 100
 * through the producer, delivered by one worker process to the receiver;
 * delivered events/s from the first send to the last arrival. Baseline (a):
 * the same events through bare BullMQ (addBulk + one Worker per queue).
 * Also: the worker's Redis connections, RSS and idle CPU with 10
 * subscriptions (the reference for the 1,000-subscription scenario).
 */
export async function delivery(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  ctx.log(`delivery: ${config.deliveryEvents} events × ${SUBSCRIPTIONS} subscriptions`);
  const stack = await startStack({ label: 'delivery', runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: SUBSCRIPTIONS, logLevel: config.logLevel });
  let orderbus;
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
    orderbus = await orderbusDelivery(ctx, stack, { events: config.deliveryEvents });
    rss = worker.rssBytes();
    ctx.log(`  orderbus: ${Math.round(orderbus.deliveriesPerSecond)} deliveries/s (${orderbus.delivered}/${orderbus.expected} in ${orderbus.seconds.toFixed(1)} s)`);
  } finally {
    await stack.close();
  }
  const bare = await bareDelivery(ctx, { events: config.deliveryEvents, subscriptions: SUBSCRIPTIONS, concurrency: CONCURRENCY });
  ctx.log(`  bare BullMQ: ${Math.round(bare.deliveriesPerSecond)} deliveries/s`);

  ctx.deliveryMaxPerSecond = orderbus.deliveriesPerSecond;
  ctx.workerConnections10 = connections.total;
  ctx.workerRss10 = rss;
  ctx.workerIdleCpu10 = idleCpu;
  const ratio = orderbus.deliveriesPerSecond / bare.deliveriesPerSecond;
  return {
    name: 'delivery',
    data: { orderbus: withoutArrivals(orderbus), bare, workerConnections: connections, workerIdleCpuCores: round(idleCpu, 4), workerRssBytes: rss },
    rows: [
      {
        scenario: 'end to end, 10 subs',
        measure: 'delivered events/s (deliveries/s: events × subs)',
        orderbus: Math.round(orderbus.deliveriesPerSecond),
        baseline: Math.round(bare.deliveriesPerSecond),
        baselineLabel: 'bare BullMQ (a)',
        ratio,
        target: '≥ 0.7',
        pass: ratio >= 0.7 && orderbus.complete,
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
