/**
 * `npm run bench [-- --quick] [-- --only a,b]`: runs every scenario, prints
 * the summary table (markdown), writes bench/results/<timestamp>.json (and
 * .md), and draws PNG charts into bench/results/<timestamp>/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { benchConfig } from './config';
import { EventFactory } from './support/events';
import { startReceiver } from './support/receiver';
import { RESULTS_DIR } from './support/paths';
import { machineLoad } from './support/proc';
import { markdownTable, monitorMarkdown, profileMarkdown } from './report/table';
import { drawCharts } from './report/charts';
import type { ProfileSummary } from './report/cpu-profile';
import type { RunContext, ScenarioResult } from './results';
import { redisCeiling } from './scenarios/redis-ceiling';
import { ingest } from './scenarios/ingest';
import { delivery } from './scenarios/delivery';
import { latency } from './scenarios/latency';
import { manySubscriptions } from './scenarios/many-subscriptions';
import { memory } from './scenarios/memory';
import { ordering } from './scenarios/ordering';
import { profile } from './scenarios/profile';

const SCENARIOS: Record<string, (ctx: RunContext) => Promise<ScenarioResult>> = {
  redis: redisCeiling,
  ingest,
  delivery,
  latency,
  subscriptions: manySubscriptions,
  memory,
  ordering,
  profile,
};

const USAGE = `usage: npm run bench [-- --quick] [-- --only <scenario>[,<scenario>...]] [-- --log-level <level>]
scenarios: ${Object.keys(SCENARIOS).join(', ')}`;

function parseArgs(argv: string[]): { quick: boolean; only: string[]; logLevel: string } {
  let quick = false;
  let only: string[] = Object.keys(SCENARIOS);
  let logLevel = 'info';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      only = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    } else if (arg === '--log-level') logLevel = argv[++i] ?? logLevel;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const unknown = only.filter((s) => !SCENARIOS[s]);
  if (unknown.length > 0 || only.length === 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  return { quick, only, logLevel };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = benchConfig(args.quick, args.logLevel);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const runDir = join(RESULTS_DIR, stamp);
  mkdirSync(runDir, { recursive: true });
  const loadBefore = machineLoad();
  log(`run ${stamp}${args.quick ? ' (quick)' : ''}: ${args.only.join(', ')}; ${loadBefore.uptime}`);

  const receiver = await startReceiver();
  const ctx: RunContext = { config, runDir, receiver, factory: new EventFactory(randomBytes(4).toString('hex')), log };
  const results: ScenarioResult[] = [];
  const failures: Array<{ scenario: string; error: string }> = [];
  const started = Date.now();
  try {
    for (const name of args.only) {
      const t0 = Date.now();
      try {
        results.push(await SCENARIOS[name]!(ctx));
      } catch (err) {
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        failures.push({ scenario: name, error });
        log(`scenario ${name} failed: ${error}`);
      }
      log(`scenario ${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await receiver.close();
  }
  const loadAfter = machineLoad();

  const rows = results.flatMap((r) => r.rows);
  const table = markdownTable(rows);
  const profileData = results.find((r) => r.name === 'profile')?.data as
    | {
        profiles: Record<string, ProfileSummary>;
        monitor: { commands: Array<{ connection: string; command: string; calls: number; perDelivery: number; perEvent: number }> };
        bareMonitor: Array<{ connection: string; command: string; calls: number; perDelivery: number }>;
        singleEventMonitor: Array<{ connection: string; command: string; calls: number; perDelivery: number; perEvent: number }>;
      }
    | undefined;
  const profiles = profileData?.profiles;
  let charts: string[] = [];
  try {
    charts = drawCharts(results, runDir);
  } catch (err) {
    log(`charts failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const machine = `${loadBefore.cpus} CPUs; load average before ${loadBefore.load1.toFixed(2)}, ${loadBefore.load5.toFixed(2)}, ${loadBefore.load15.toFixed(2)}; after ${loadAfter.load1.toFixed(2)}, ${loadAfter.load5.toFixed(2)}, ${loadAfter.load15.toFixed(2)}`;
  const markdown = [
    `## orderbus benchmark ${stamp}${args.quick ? ' (--quick)' : ''}`,
    '',
    `Machine: ${machine}. Node ${process.version}. Duration ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    '',
    table,
    '',
    ...(failures.length ? ['Failed scenarios: ' + failures.map((f) => f.scenario).join(', '), ''] : []),
    ...(profileData
      ? [
          '### Where the time goes',
          '',
          monitorMarkdown('Redis commands by connection (MONITOR sample; scripts named)', profileData.monitor.commands),
          monitorMarkdown('Bare BullMQ (a), same sample', profileData.bareMonitor),
          monitorMarkdown('Single-event requests (one event per POST, 10 subs)', profileData.singleEventMonitor),
        ]
      : []),
    ...(profiles ? Object.entries(profiles).map(([name, s]) => profileMarkdown(`CPU profile: ${name}`, s)) : []),
  ].join('\n');

  const json = {
    startedAt: stamp,
    quick: args.quick,
    scenarios: args.only,
    node: process.version,
    machine: { before: loadBefore, after: loadAfter },
    config,
    durationSeconds: (Date.now() - started) / 1000,
    rows,
    results,
    failures,
    charts,
  };
  writeFileSync(join(RESULTS_DIR, `${stamp}.json`), JSON.stringify(json, null, 2));
  writeFileSync(join(RESULTS_DIR, `${stamp}.md`), `${markdown}\n`);
  process.stdout.write(`\n${markdown}\n\nJSON: bench/results/${stamp}.json\nCharts: ${charts.map((c) => c.slice(RESULTS_DIR.length - 'bench/results'.length)).join(', ')}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
