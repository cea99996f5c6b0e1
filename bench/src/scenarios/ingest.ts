import { PRODUCER_KEY, startStack } from '../support/stack';
import { autocannonRun, type HttpLoadResult } from '../support/load';
import { CpuMeter } from '../support/proc';
import { EventFactory } from '../support/events';
import { BareProducer, bareEvents } from '../baselines/bare-bullmq';
import { startExpressBaseline } from '../baselines/bare-bullmq';
import { now, round } from '../support/stats';
import type { Row, RunContext, ScenarioResult } from '../results';

const BATCH = 100;

interface IngestCase {
  subscriptions: number;
  mode: 'single' | 'batch';
  http: HttpLoadResult;
  eventsPerSecond: number;
  jobsPerSecond: number;
  /** CPU microseconds per accepted event. */
  cpuUsPerEvent: Record<string, number>;
}

/**
 * Ingest: autocannon POSTs valid events with unique eventIds to the producer
 * process (single envelopes, and batches of 100), with 1, 10, 100 matching
 * subscriptions and no worker running. Baselines in the same run and Redis:
 * (a) bare BullMQ addBulk of the same events into the same number of queues;
 * (b) a trivial Express endpoint (JSON parse + 202) under the same load.
 */
export async function ingest(ctx: RunContext): Promise<ScenarioResult> {
  const { config, factory } = ctx;
  const cases: IngestCase[] = [];
  const bare: Array<{ subscriptions: number; eventsPerSecond: number; jobsPerSecond: number; cpuUsPerEvent: Record<string, number> }> = [];
  const headers = { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' };
  const single = (): string => {
    const id = factory.nextId();
    return factory.envelope(id, EventFactory.orderKey(Number(id.slice(id.lastIndexOf('-') + 1))));
  };
  const batch = (): string => factory.batch(BATCH).body;

  for (const subscriptions of config.ingestSubscriptions) {
    ctx.log(`ingest: ${subscriptions} subscription(s)`);
    const stack = await startStack({ label: `ingest-${subscriptions}`, runDir: ctx.runDir, receiver: ctx.receiver, subscriptions, logLevel: config.logLevel });
    try {
      for (const mode of ['single', 'batch'] as const) {
        const meter = new CpuMeter({ producer: stack.producer.pid, redis: stack.redis.process?.pid });
        const http = await autocannonRun({
          url: `${stack.producer.url}/v1/events`,
          headers,
          body: mode === 'single' ? single : batch,
          connections: mode === 'single' ? config.ingestConnectionsSingle : config.ingestConnectionsBatch,
          seconds: config.ingestSeconds,
          minOk: mode === 'single' ? 50 : 8,
        });
        const cpu = meter.stop();
        const events = http.ok * (mode === 'single' ? 1 : BATCH);
        const eventsPerSecond = events / http.seconds;
        cases.push({
          subscriptions,
          mode,
          http,
          eventsPerSecond,
          jobsPerSecond: eventsPerSecond * subscriptions,
          cpuUsPerEvent: Object.fromEntries(Object.entries(cpu.cpuSeconds).map(([k, v]) => [k, round((v * 1e6) / Math.max(1, events), 1)])),
        });
        ctx.log(`  ${mode}: ${Math.round(eventsPerSecond)} events/s (${http.non2xx} non-2xx, ${http.errors} errors)`);
      }

      // Baseline (a): the same number of jobs with bare BullMQ addBulk, same Redis, same concurrency as the batch run.
      const producer = new BareProducer(stack.redis.url, Array.from({ length: subscriptions }, (_, i) => `bare-${i + 1}`));
      let events = 0;
      const bareMeter = new CpuMeter({ producer: process.pid, redis: stack.redis.process?.pid });
      const started = now();
      const end = started + config.ingestSeconds * 1000;
      await Promise.all(
        Array.from({ length: config.ingestConnectionsBatch }, async () => {
          while (now() < end) {
            await producer.addBulk(bareEvents(factory, BATCH));
            events += BATCH;
          }
        }),
      );
      const seconds = (now() - started) / 1000;
      const bareCpu = bareMeter.stop().cpuSeconds;
      await producer.close();
      bare.push({
        subscriptions,
        eventsPerSecond: events / seconds,
        jobsPerSecond: (events * subscriptions) / seconds,
        cpuUsPerEvent: Object.fromEntries(Object.entries(bareCpu).map(([k, v]) => [k, round((v * 1e6) / Math.max(1, events), 1)])),
      });
      ctx.log(`  bare BullMQ addBulk: ${Math.round(events / seconds)} events/s`);
    } finally {
      await stack.close();
    }
  }

  ctx.log('ingest: trivial Express endpoint (baseline b)');
  const express = await startExpressBaseline();
  const expressRuns: Record<string, HttpLoadResult & { cpuUsPerEvent: number }> = {};
  try {
    for (const mode of ['single', 'batch'] as const) {
      const meter = new CpuMeter({ express: express.pid });
      const http = await autocannonRun({
        url: `${express.url}/v1/events`,
        headers,
        body: mode === 'single' ? single : batch,
        connections: mode === 'single' ? config.ingestConnectionsSingle : config.ingestConnectionsBatch,
        seconds: config.ingestSeconds,
        minOk: mode === 'single' ? 50 : 8,
      });
      const events = http.ok * (mode === 'single' ? 1 : BATCH);
      expressRuns[mode] = { ...http, cpuUsPerEvent: round(((meter.stop().cpuSeconds.express ?? 0) * 1e6) / Math.max(1, events), 1) };
    }
  } finally {
    await express.stop();
  }
  const expressEvents = {
    single: expressRuns.single!.okPerSecond,
    batch: expressRuns.batch!.okPerSecond * BATCH,
  };

  const rows: Row[] = [];
  for (const c of cases) {
    const label = c.mode === 'single' ? 'single events' : `batches of ${BATCH}`;
    const bareCase = bare.find((b) => b.subscriptions === c.subscriptions)!;
    if (c.mode === 'batch') {
      rows.push({
        scenario: 'ingest',
        measure: `events/s, ${label}, ${c.subscriptions} sub(s) matching`,
        orderbus: Math.round(c.eventsPerSecond),
        baseline: Math.round(bareCase.eventsPerSecond),
        baselineLabel: 'bare BullMQ addBulk (a)',
        ratio: c.eventsPerSecond / bareCase.eventsPerSecond,
        ...(c.subscriptions === 10 ? { target: '≥ 0.5', pass: c.eventsPerSecond / bareCase.eventsPerSecond >= 0.5 } : {}),
      });
    }
    rows.push({
      scenario: 'ingest',
      measure: `events/s, ${label}, ${c.subscriptions} sub(s) matching`,
      orderbus: Math.round(c.eventsPerSecond),
      baseline: Math.round(expressEvents[c.mode]),
      baselineLabel: 'Express JSON + 202 (b)',
      ratio: c.eventsPerSecond / expressEvents[c.mode],
    });
  }
  for (const c of cases) {
    rows.push({
      scenario: 'ingest',
      measure: `CPU µs per event: producer / redis, ${c.mode === 'single' ? 'single' : `batch ${BATCH}`}, ${c.subscriptions} sub(s)`,
      orderbus: `${Math.round(c.cpuUsPerEvent.producer ?? 0)} / ${Math.round(c.cpuUsPerEvent.redis ?? 0)}`,
      baseline: Math.round(expressRuns[c.mode]!.cpuUsPerEvent),
      baselineLabel: 'Express process (b)',
    });
    if (c.mode === 'batch') {
      const b = bare.find((x) => x.subscriptions === c.subscriptions)!;
      rows.push({
        scenario: 'ingest',
        measure: `CPU µs per event: producer / redis, batch ${BATCH}, ${c.subscriptions} sub(s)`,
        orderbus: `${Math.round(c.cpuUsPerEvent.producer ?? 0)} / ${Math.round(c.cpuUsPerEvent.redis ?? 0)}`,
        baseline: `${Math.round(b.cpuUsPerEvent.producer ?? 0)} / ${Math.round(b.cpuUsPerEvent.redis ?? 0)}`,
        baselineLabel: 'bare addBulk (a): client / redis',
      });
    }
  }
  for (const c of cases) {
    rows.push({
      scenario: 'ingest',
      measure: `HTTP p50 / p99 ms, ${c.mode === 'single' ? 'single' : `batch ${BATCH}`}, ${c.subscriptions} sub(s)`,
      orderbus: `${c.http.latencyP50Ms} / ${c.http.latencyP99Ms}`,
      baseline: `${expressRuns[c.mode]!.latencyP50Ms} / ${expressRuns[c.mode]!.latencyP99Ms}`,
      baselineLabel: 'Express (b)',
    });
  }
  return { name: 'ingest', rows, data: { cases, bare, express: expressRuns, batchSize: BATCH, envelopeBytes: factory.envelopeBytes() } };
}
