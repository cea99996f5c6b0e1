import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { ScenarioResult } from '../results';
import { barChartSvg, COLORS, lineChartSvg, type Series } from './svg-chart';

function png(svg: string, file: string): string {
  const rendered = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'original' } }).render();
  writeFileSync(file, rendered.asPng());
  return file;
}

/** Draws the run's charts (throughput and latency against load) as PNG into `dir`; returns the files written. */
export function drawCharts(results: ScenarioResult[], dir: string): string[] {
  const files: string[] = [];
  const by = (name: string): any => results.find((r) => r.name === name)?.data;

  const ingest = by('ingest');
  if (ingest) {
    const cases = ingest.cases as Array<{ subscriptions: number; mode: string; eventsPerSecond: number }>;
    const bare = ingest.bare as Array<{ subscriptions: number; eventsPerSecond: number }>;
    const subs = [...new Set(cases.map((c) => c.subscriptions))];
    const span = (v: number): Array<[number, number]> => [
      [Math.min(...subs), v],
      [Math.max(...subs), v],
    ];
    const series: Series[] = [
      { name: 'orderbus, single events', color: COLORS[0]!, points: cases.filter((c) => c.mode === 'single').map((c) => [c.subscriptions, c.eventsPerSecond]) },
      { name: 'orderbus, batches of 100', color: COLORS[1]!, points: cases.filter((c) => c.mode === 'batch').map((c) => [c.subscriptions, c.eventsPerSecond]) },
      { name: 'bare BullMQ addBulk (a), batches of 100', color: COLORS[2]!, points: bare.map((b) => [b.subscriptions, b.eventsPerSecond]) },
      { name: 'Express JSON + 202 (b), single', color: COLORS[3]!, dashed: true, points: span(ingest.express.single.okPerSecond) },
      { name: 'Express JSON + 202 (b), batches of 100', color: COLORS[4]!, dashed: true, points: span(ingest.express.batch.okPerSecond * 100) },
    ];
    files.push(
      png(
        lineChartSvg({
          title: 'Ingest throughput vs subscriptions matching',
          xLabel: 'subscriptions matching each event (log)',
          yLabel: 'events/s accepted (log)',
          series,
          xLog: subs.length > 1,
          yLog: true,
        }),
        join(dir, 'ingest-throughput.png'),
      ),
    );
  }

  const latency = by('latency');
  if (latency) {
    type Step = { offeredDeliveriesPerSecond: number; achievedDeliveriesPerSecond: number; ackToArrival: { p50: number; p95: number; p99: number } };
    const ob = latency.orderbus as Step[];
    const bare = latency.bare as Step[];
    const pts = (steps: Step[], p: 'p50' | 'p95' | 'p99'): Array<[number, number]> => steps.map((s) => [s.offeredDeliveriesPerSecond, s.ackToArrival[p]]);
    const all = [...ob, ...bare].map((s) => s.offeredDeliveriesPerSecond);
    const series: Series[] = [
      { name: 'orderbus p50', color: COLORS[0]!, points: pts(ob, 'p50') },
      { name: 'orderbus p95', color: COLORS[1]!, points: pts(ob, 'p95') },
      { name: 'orderbus p99', color: COLORS[3]!, points: pts(ob, 'p99') },
      { name: 'bare BullMQ p50', color: COLORS[0]!, dashed: true, points: pts(bare, 'p50') },
      { name: 'bare BullMQ p95', color: COLORS[1]!, dashed: true, points: pts(bare, 'p95') },
      { name: 'bare BullMQ p99', color: COLORS[3]!, dashed: true, points: pts(bare, 'p99') },
      {
        name: 'target: p99 < 20 ms at 50 %',
        color: COLORS[7]!,
        dashed: true,
        points: [
          [Math.min(...all), 20],
          [Math.max(...all), 20],
        ],
      },
    ];
    files.push(
      png(
        lineChartSvg({ title: 'Latency (producer ack → receiver) vs load, 10 subscriptions', xLabel: 'offered deliveries/s (open loop)', yLabel: 'ms', series }),
        join(dir, 'latency-vs-load.png'),
      ),
    );
    const max = latency.maxDeliveriesPerSecond as number;
    const through: Series[] = [
      { name: 'orderbus achieved', color: COLORS[0]!, points: ob.map((s) => [s.offeredDeliveriesPerSecond, s.achievedDeliveriesPerSecond]) },
      { name: 'bare BullMQ achieved', color: COLORS[2]!, points: bare.map((s) => [s.offeredDeliveriesPerSecond, s.achievedDeliveriesPerSecond]) },
      {
        name: 'offered (ideal)',
        color: COLORS[7]!,
        dashed: true,
        points: [
          [Math.min(...all), Math.min(...all)],
          [Math.max(...all), Math.max(...all)],
        ],
      },
      {
        name: 'orderbus closed-loop maximum',
        color: COLORS[1]!,
        dashed: true,
        points: [
          [Math.min(...all), max],
          [Math.max(...all), max],
        ],
      },
    ];
    const delivery = by('delivery');
    if (delivery) {
      through.push({
        name: 'bare BullMQ closed-loop maximum',
        color: COLORS[3]!,
        dashed: true,
        points: [
          [Math.min(...all), delivery.bare.deliveriesPerSecond],
          [Math.max(...all), delivery.bare.deliveriesPerSecond],
        ],
      });
    }
    files.push(
      png(
        lineChartSvg({ title: 'Delivered throughput vs offered load, 10 subscriptions', xLabel: 'offered deliveries/s (open loop)', yLabel: 'delivered/s', series: through }),
        join(dir, 'throughput-vs-load.png'),
      ),
    );
  }

  const groups: Array<{ label: string; bars: Array<{ name: string; value: number; color: string }> }> = [];
  const delivery = by('delivery');
  if (delivery) {
    groups.push({
      label: '10 subs, end to end',
      bars: [
        { name: 'orderbus', value: delivery.orderbus.deliveriesPerSecond, color: COLORS[0]! },
        { name: 'bare BullMQ', value: delivery.bare.deliveriesPerSecond, color: COLORS[2]! },
      ],
    });
  }
  const ordering = by('ordering');
  if (ordering) {
    groups.push({
      label: `ordering, ${ordering.orders} orders`,
      bars: [
        { name: 'on', value: ordering.on.deliveriesPerSecond, color: COLORS[0]! },
        { name: 'off', value: ordering.off.deliveriesPerSecond, color: COLORS[1]! },
        { name: 'bare', value: ordering.bare.deliveriesPerSecond, color: COLORS[2]! },
      ],
    });
  }
  const subs = by('subscriptions');
  if (subs) {
    groups.push({
      label: `${subs.subscriptions} subs, one worker`,
      bars: [{ name: 'orderbus', value: subs.run.deliveriesPerSecond, color: COLORS[0]! }],
    });
  }
  if (groups.length > 0) {
    files.push(png(barChartSvg({ title: 'End-to-end delivered throughput', yLabel: 'deliveries/s', groups }), join(dir, 'delivery-throughput.png')));
  }
  return files;
}
