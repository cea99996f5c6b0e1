import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { monitorRedis, type MonitoredCommand } from '@orderbus/testkit';
import { ROOT } from '../support/paths';
import { clientList } from '../support/redis-info';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/**
 * Names of the Lua scripts that may run: BullMQ's (by the SHA1 ioredis
 * sends with EVALSHA) and orderbus's own (every string exported from a
 * packages/<pkg>/dist/lua/*.js module, sent in full with EVAL).
 */
function knownScripts(): Map<string, string> {
  const names = new Map<string, string>();
  try {
    const bullmqScripts = require(join(require.resolve('bullmq'), '..', 'scripts')) as Record<string, { name: string; content: string }>;
    for (const script of Object.values(bullmqScripts)) {
      if (script && typeof script.content === 'string') names.set(sha1(script.content), `bullmq ${script.name}`);
    }
  } catch {
    // Unknown layout: scripts are then shown by their SHA.
  }
  const packages = join(ROOT, 'packages');
  for (const pkg of readdirSync(packages)) {
    const lua = join(packages, pkg, 'dist', 'lua');
    if (!existsSync(lua)) continue;
    for (const file of readdirSync(lua).filter((f) => f.endsWith('.js'))) {
      try {
        const mod = require(join(lua, file)) as Record<string, unknown>;
        for (const [name, value] of Object.entries(mod)) if (typeof value === 'string') names.set(sha1(value), `${pkg} ${name}`);
      } catch {
        // skip
      }
    }
  }
  return names;
}

export interface MonitorCount {
  connection: string;
  command: string;
  calls: number;
  /** Scripts run inside a ScriptBatcher's EVALSHA: not commands of their own (left out of command totals). */
  withinBatch?: true;
}

/**
 * Records every command Redis runs while `during()` runs (MONITOR), and
 * counts the top-level ones (sent by a client, not run inside a script) by
 * client connection name and command, with scripts named. MONITOR slows
 * Redis down: run it over a small sample only.
 */
export async function monitorCommands(client: Redis, during: () => Promise<void>): Promise<MonitorCount[]> {
  const scripts = knownScripts();
  const names = new Map((await clientList(client)).map((c) => [c.addr, c.name || '(unnamed)']));
  const counts = new Map<string, MonitorCount>();
  const inner = new Map<string, number>();
  const count = (connection: string, label: string, calls = 1, withinBatch = false): void => {
    const key = `${connection}\u0000${label}`;
    const entry = counts.get(key) ?? { connection, command: label, calls: 0, ...(withinBatch ? { withinBatch: true as const } : {}) };
    entry.calls += calls;
    counts.set(key, entry);
  };
  const onCommand = ({ source, args }: MonitoredCommand): void => {
    const cmd = (args[0] ?? '').toLowerCase();
    if (source === 'lua') {
      inner.set(cmd, (inner.get(cmd) ?? 0) + 1);
      return;
    }
    const connection = names.get(source) ?? source;
    let label = cmd;
    if (cmd === 'evalsha') {
      label = scripts.get(args[1] ?? '') ?? `evalsha ${String(args[1]).slice(0, 8)}`;
      const invocations = batchedInvocations(args);
      if (!scripts.has(args[1] ?? '') && invocations !== undefined) {
        label = 'orderbus script batch';
        count(connection, 'scripts run in those batches', invocations, true);
      }
    } else if (cmd === 'eval') {
      const script = args[1] ?? '';
      label = scripts.get(sha1(script)) ?? `eval ${script.trim().split('\n')[0]!.slice(0, 40)}`;
    }
    count(connection, label);
  };

  const monitor = await monitorRedis(`redis://${client.options.host ?? '127.0.0.1'}:${client.options.port ?? 6379}`, onCommand);
  try {
    await during();
  } finally {
    monitor.stop();
  }
  const result = [...counts.values()].sort((a, b) => a.connection.localeCompare(b.connection) || b.calls - a.calls);
  for (const [cmd, calls] of [...inner.entries()].sort((a, b) => b[1] - a[1])) result.push({ connection: '(inside scripts)', command: cmd, calls });
  return result;
}

/**
 * How many scripts an EVALSHA of orderbus's ScriptBatcher ran, read off its
 * arguments (count, then per script: part, key count, argument count, arguments);
 * undefined when the arguments do not have that shape.
 */
function batchedInvocations(args: string[]): number | undefined {
  const keyCount = Number(args[2]);
  if (!Number.isInteger(keyCount)) return undefined;
  const argv = args.slice(3 + keyCount);
  const invocations = Number(argv[0]);
  if (!Number.isInteger(invocations) || invocations < 1) return undefined;
  let at = 1;
  let keys = 0;
  for (let i = 0; i < invocations; i++) {
    const [part, k, a] = [Number(argv[at]), Number(argv[at + 1]), Number(argv[at + 2])];
    if (![part, k, a].every(Number.isInteger)) return undefined;
    keys += k;
    at += 3 + a;
  }
  return at === argv.length && keys === keyCount ? invocations : undefined;
}
