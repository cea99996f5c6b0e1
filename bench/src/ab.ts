/**
 * A/B of two configurations of orderbus on a noisy machine:
 * `node bench/dist/ab.js --b NODE_OPTIONS=--max-semi-space-size=32 [--a K=V,...] [--rounds 6] [--events 1000] [--subs 10]`
 * `node bench/dist/ab.js --a-root /path/to/other/checkout` (A runs that checkout's built apps: code vs code)
 *
 * Starts two stacks side by side (each its own redis-server, producer and
 * worker; variant B's processes get the extra environment), then runs the
 * end-to-end delivery of `events` events to `subs` subscriptions on A, B,
 * A, B... so both see the same moments of the machine's load. Reports, per
 * variant, the median deliveries/s and CPU µs per delivery of the worker,
 * producer and redis-server, and the B/A ratio of each (paired by round).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { benchConfig } from './config';
import { EventFactory } from './support/events';
import { startReceiver } from './support/receiver';
import { RESULTS_DIR } from './support/paths';
import { startStack, type Stack } from './support/stack';
import { orderbusDelivery, type DeliveryRun } from './scenarios/delivery-run';
import type { RunContext } from './results';
import { median } from './support/stats';

function parseEnv(text: string | undefined): Record<string, string> {
  if (!text) return {};
  return Object.fromEntries(
    // Values may hold commas (NODE_OPTIONS, lists): a new pair starts only at ",KEY=".
    text.split(/,(?=[A-Za-z_][A-Za-z0-9_]*=)/).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`not KEY=VALUE: ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const envA = parseEnv(opt('a'));
  const envB = parseEnv(opt('b'));
  const rootA = opt('a-root');
  const rootB = opt('b-root');
  const rounds = Number(opt('rounds') ?? 6);
  const events = Number(opt('events') ?? 1000);
  const subs = Number(opt('subs') ?? 10);
  const runDir = join(RESULTS_DIR, `ab-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });
  const receiver = await startReceiver();
  const log = (m: string): void => void process.stderr.write(`[ab] ${m}\n`);
  const ctx: RunContext = { config: benchConfig(true, 'info'), runDir, receiver, factory: new EventFactory(randomBytes(4).toString('hex')), log };
  const stacks: Record<'A' | 'B', Stack | undefined> = { A: undefined, B: undefined };
  const runs: Record<'A' | 'B', DeliveryRun[]> = { A: [], B: [] };
  try {
    stacks.A = await startStack({ label: 'ab-A', runDir, receiver, subscriptions: subs, logLevel: 'info', env: envA, ...(rootA ? { root: rootA } : {}) });
    stacks.B = await startStack({ label: 'ab-B', runDir, receiver, subscriptions: subs, logLevel: 'info', env: envB, ...(rootB ? { root: rootB } : {}) });
    await stacks.A.startWorker();
    await stacks.B.startWorker();
    // One untimed round each warms the JIT and the connections.
    for (const v of ['A', 'B'] as const) await orderbusDelivery(ctx, stacks[v]!, { events: Math.min(200, events) });
    for (let r = 0; r < rounds; r++) {
      for (const v of (r % 2 ? ['B', 'A'] : ['A', 'B']) as Array<'A' | 'B'>) {
        const run = await orderbusDelivery(ctx, stacks[v]!, { events });
        runs[v].push(run);
        log(`round ${r + 1} ${v}: ${Math.round(run.deliveriesPerSecond)} deliveries/s, CPU µs/delivery ${JSON.stringify(run.cpuUsPerDelivery)}`);
      }
    }
  } finally {
    await stacks.A?.close();
    await stacks.B?.close();
    await receiver.close();
  }
  const metrics: Array<[string, (r: DeliveryRun) => number]> = [
    ['deliveries/s', (r) => r.deliveriesPerSecond],
    ['worker CPU µs/delivery', (r) => r.cpuUsPerDelivery.worker ?? 0],
    ['producer CPU µs/delivery', (r) => r.cpuUsPerDelivery.producer ?? 0],
    ['redis CPU µs/delivery', (r) => r.cpuUsPerDelivery.redis ?? 0],
    ['total CPU µs/delivery', (r) => (r.cpuUsPerDelivery.worker ?? 0) + (r.cpuUsPerDelivery.producer ?? 0) + (r.cpuUsPerDelivery.redis ?? 0)],
  ];
  const lines = [`A: ${rootA ?? 'this checkout'} ${JSON.stringify(envA)}  B: ${rootB ?? 'this checkout'} ${JSON.stringify(envB)}  ${rounds} rounds of ${events} events × ${subs} subs`, '| measure | A (median) | B (median) | B/A (median of paired rounds) |', '|---|---:|---:|---:|'];
  for (const [name, get] of metrics) {
    const a = runs.A.map(get);
    const b = runs.B.map(get);
    const paired = a.map((x, i) => b[i]! / x);
    lines.push(`| ${name} | ${Math.round(median(a))} | ${Math.round(median(b))} | ${median(paired).toFixed(2)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`ab failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
