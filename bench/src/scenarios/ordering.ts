import { startStack } from '../support/stack';
import { bareDelivery, orderbusDelivery, withoutArrivals, type DeliveryRun } from './delivery-run';
import type { Arrivals } from '../support/receiver';
import type { RunContext, ScenarioResult } from '../results';

const SUBSCRIPTIONS = 10;

/**
 * Per-work-order ordering on (the default) vs off (`"ordering": false` in
 * the subscription), 10 subscriptions, events spread over many work orders
 * (event n belongs to order n mod K): deliveries/s of each, and how many
 * deliveries arrived before an earlier event of their order at the same
 * subscription (must be 0 with ordering on).
 */
export async function ordering(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const orders = config.orderingOrders;
  const orderOf = (seq: number): number => seq % orders;
  const runs: Record<string, DeliveryRun & { outOfOrder: number }> = {};
  for (const on of [true, false]) {
    ctx.log(`ordering ${on ? 'on' : 'off'}: ${config.orderingEvents} events over ${orders} orders × ${SUBSCRIPTIONS} subscriptions`);
    const stack = await startStack({
      label: `ordering-${on ? 'on' : 'off'}`,
      runDir: ctx.runDir,
      receiver: ctx.receiver,
      subscriptions: SUBSCRIPTIONS,
      ordering: on,
      logLevel: config.logLevel,
    });
    try {
      await stack.startWorker();
      const run = await orderbusDelivery(ctx, stack, { events: config.orderingEvents, orderOf, record: true });
      const outOfOrder = countOutOfOrder(run.arrivals!, orders);
      runs[on ? 'on' : 'off'] = { ...run, outOfOrder };
      ctx.log(`  ${Math.round(run.deliveriesPerSecond)} deliveries/s, ${outOfOrder} out of order`);
    } finally {
      await stack.close();
    }
  }
  const bare = await bareDelivery(ctx, { events: config.orderingEvents, subscriptions: SUBSCRIPTIONS, concurrency: 10, orderOf });
  const on = runs.on!;
  const off = runs.off!;
  const ratio = on.deliveriesPerSecond / off.deliveriesPerSecond;
  return {
    name: 'ordering',
    data: { orders, on: withoutArrivals(on), off: withoutArrivals(off), bare },
    rows: [
      {
        scenario: `ordering, ${orders} orders`,
        measure: 'deliveries/s, ordering on vs off',
        orderbus: Math.round(on.deliveriesPerSecond),
        baseline: Math.round(off.deliveriesPerSecond),
        baselineLabel: 'orderbus, ordering off',
        ratio,
        target: '≥ 0.8',
        pass: ratio >= 0.8,
      },
      {
        scenario: `ordering, ${orders} orders`,
        measure: 'deliveries/s, ordering off vs bare BullMQ',
        orderbus: Math.round(off.deliveriesPerSecond),
        baseline: Math.round(bare.deliveriesPerSecond),
        baselineLabel: 'bare BullMQ (a)',
        ratio: off.deliveriesPerSecond / bare.deliveriesPerSecond,
      },
      {
        scenario: `ordering, ${orders} orders`,
        measure: 'deliveries ahead of an earlier event of their order (on / off)',
        orderbus: `${on.outOfOrder} / ${off.outOfOrder}`,
        target: '0 with ordering on',
        pass: on.outOfOrder === 0,
      },
    ],
  };
}

/** Deliveries that arrived at a subscription after a later event of the same order had arrived there (first arrivals only). */
function countOutOfOrder(arrivals: Arrivals, orders: number): number {
  const lastSeq = new Map<string, number>();
  const seen = new Set<string>();
  let out = 0;
  arrivals.ids.forEach((id, i) => {
    const path = arrivals.paths[i] ?? '';
    const key = `${path}|${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    const seq = Number(id.slice(id.lastIndexOf('-') + 1));
    const line = `${path}|${seq % orders}`;
    const previous = lastSeq.get(line);
    if (previous !== undefined && previous > seq) out += 1;
    else lastSeq.set(line, seq);
  });
  return out;
}
