import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCER_KEY, startStack } from '../support/stack';
import { autocannonRun } from '../support/load';
import { EventFactory } from '../support/events';
import { round } from '../support/stats';
import { bareDelivery, orderbusDelivery, withoutArrivals } from './delivery-run';
import { summariseProfile, type ProfileSummary } from '../report/cpu-profile';
import { monitorCommands, type MonitorCount } from '../report/redis-monitor';
import type { Row, RunContext, ScenarioResult } from '../results';

const SUBSCRIPTIONS = 10;

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Where the time goes. The delivery scenario again with the producer and
 * the worker under `node --cpu-prof` (profiles summarised: self time by
 * module and function, inclusive time of orderbus functions), then a small
 * sample under Redis MONITOR that counts the Redis commands each process
 * sends per event and per delivery, scripts named. The bare BullMQ worker is
 * profiled the same way for comparison. Profiling slows everything: these
 * throughput figures are not compared with anything.
 */
export async function profile(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const dir = join(ctx.runDir, 'profiles');
  ctx.log(`profile: ${config.profileEvents} events × ${SUBSCRIPTIONS} subscriptions under --cpu-prof`);
  const startedAt = Date.now();
  const stack = await startStack({ label: 'profile', runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: SUBSCRIPTIONS, profile: true, logLevel: config.logLevel });
  let run;
  let monitored: MonitorCount[] = [];
  let singleMonitored: MonitorCount[] = [];
  let singleWindow: { fromUs: number; toUs: number } | undefined;
  const single = (): string => {
    const id = ctx.factory.nextId();
    return ctx.factory.envelope(id, EventFactory.orderKey(Number(id.slice(id.lastIndexOf('-') + 1))));
  };
  try {
    await stack.startWorker();
    run = await orderbusDelivery(ctx, stack, { events: config.profileEvents });
    ctx.log(`  profiled run: ${Math.round(run.deliveriesPerSecond)} deliveries/s`);
    monitored = await monitorCommands(stack.client, async () => {
      await orderbusDelivery(ctx, stack, { events: config.monitorEvents });
    });
    // The producer again, with single-event requests (what a work-order system sends one change at a time).
    const fromUs = monotonicUs();
    await ctx.receiver.reset(false);
    const load = await autocannonRun({
      url: `${stack.producer.url}/v1/events`,
      headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' },
      body: single,
      connections: config.ingestConnectionsSingle,
      seconds: config.ingestSeconds,
    });
    singleWindow = { fromUs, toUs: monotonicUs() };
    // Let the worker deliver that load first, so the sample below counts only its own deliveries.
    await ctx.receiver.waitFor(load.ok * SUBSCRIPTIONS, ctx.config.drainTimeoutMs);
    await ctx.receiver.reset(false);
    singleMonitored = await monitorCommands(stack.client, async () => {
      for (let i = 0; i < config.monitorEvents; i++) await stack.send(single());
      await ctx.receiver.waitFor(config.monitorEvents * SUBSCRIPTIONS, ctx.config.drainTimeoutMs);
    });
  } finally {
    await stack.close(); // SIGTERM: the apps exit and write their profiles
  }
  ctx.log('profile: bare BullMQ worker under --cpu-prof');
  const bare = await bareDelivery(ctx, { events: config.profileEvents, subscriptions: SUBSCRIPTIONS, concurrency: 10, profileDir: dir });
  const bareMonitored = (await bareDelivery(ctx, { events: config.monitorEvents, subscriptions: SUBSCRIPTIONS, concurrency: 10, monitor: true })).monitor ?? [];

  const newest = (prefix: string): string | undefined => {
    if (!existsSync(dir)) return undefined;
    const files = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).mtimeMs >= startedAt)
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return files[0];
  };
  const summaries: Record<string, ProfileSummary> = {};
  const windows: Record<string, { fromUs: number; toUs: number } | undefined> = { worker: run?.windowUs, producer: run?.windowUs, 'bare-worker': bare.windowUs };
  for (const name of ['worker', 'producer', 'bare-worker']) {
    const file = newest(`${name}-`);
    if (file) summaries[name === 'producer' ? 'producer (batches of 100, 10 subs)' : name] = summariseProfile(file, 15, windows[name]);
    else ctx.log(`  no ${name} profile was written`);
    if (name === 'producer' && file && singleWindow) summaries['producer (single events, 10 subs)'] = summariseProfile(file, 15, singleWindow);
  }

  const deliveries = config.monitorEvents * SUBSCRIPTIONS;
  const perDelivery = monitored
    .filter((m) => m.connection !== '(inside scripts)')
    .map((m) => ({ ...m, perEvent: round(m.calls / config.monitorEvents, 3), perDelivery: round(m.calls / deliveries, 3) }));
  const insideScripts = monitored.filter((m) => m.connection === '(inside scripts)').map((m) => ({ command: m.command, perDelivery: round(m.calls / deliveries, 2) }));
  const sum = (match: (m: MonitorCount) => boolean): number => monitored.filter((m) => !m.withinBatch && match(m)).reduce((s, m) => s + m.calls, 0);
  const workerCalls = sum((m) => m.connection.startsWith('orderbus-worker') || m.connection.startsWith('orderbus-dispatcher'));
  const producerCalls = sum((m) => m.connection.startsWith('orderbus-producer'));

  const bareSum = (match: (m: MonitorCount) => boolean): number => bareMonitored.filter(match).reduce((s, m) => s + m.calls, 0);
  const bareWorkerCalls = bareSum((m) => m.connection.startsWith('bare:') || m.connection.startsWith('bare-worker'));
  const bareProducerCalls = bareSum((m) => m.connection === 'bare-producer');
  const rows: Row[] = [
    {
      scenario: 'profile (MONITOR sample)',
      measure: 'Redis commands sent by the worker per delivery',
      orderbus: round(workerCalls / deliveries, 2),
      baseline: round(bareWorkerCalls / deliveries, 2),
      baselineLabel: 'bare BullMQ Workers (a)',
      ratio: workerCalls / Math.max(1, bareWorkerCalls),
    },
    {
      scenario: 'profile (MONITOR sample)',
      measure: 'Redis commands sent by the producer per event (batches of 100, 10 subs)',
      orderbus: round(producerCalls / config.monitorEvents, 2),
      baseline: round(bareProducerCalls / config.monitorEvents, 2),
      baselineLabel: 'bare addBulk (a)',
    },
    {
      scenario: 'profile (MONITOR sample)',
      measure: 'Redis commands run inside scripts per delivery',
      orderbus: round(sum((m) => m.connection === '(inside scripts)') / deliveries, 1),
      baseline: round(bareSum((m) => m.connection === '(inside scripts)') / deliveries, 1),
      baselineLabel: 'bare BullMQ (a)',
      ratio: sum((m) => m.connection === '(inside scripts)') / Math.max(1, bareSum((m) => m.connection === '(inside scripts)')),
    },
  ];
  return {
    name: 'profile',
    rows,
    data: {
      profiledRun: withoutArrivals(run),
      bareProfiledRun: bare,
      profiles: summaries,
      monitor: { events: config.monitorEvents, deliveries, commands: perDelivery, insideScripts },
      bareMonitor: bareMonitored.map((m) => ({ ...m, perDelivery: round(m.calls / deliveries, 3) })),
      singleEventMonitor: singleMonitored.map((m) => ({
        ...m,
        perEvent: round(m.calls / config.monitorEvents, 3),
        perDelivery: round(m.calls / (config.monitorEvents * SUBSCRIPTIONS), 3),
      })),
    },
  };
}
