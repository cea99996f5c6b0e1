import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ROOT } from '../support/paths';
import { clientList } from '../support/redis-info';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** MONITOR shows arguments escaped (sdscatrepr: \\n, \\", \\xHH...): the script as it was sent. */
function unescapeMonitor(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, c: string) => {
    if (c.length === 3) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[c] ?? c;
  });
}

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
  const monitor = await client.monitor();
  // ioredis can lose track of a MONITOR stream under a flood of lines ("Command queue state error"):
  // the sample then ends early; the bench goes on.
  monitor.on('error', () => undefined);
  const counts = new Map<string, MonitorCount>();
  const inner = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const cmd = (args[0] ?? '').toLowerCase();
    if (source === 'lua') {
      inner.set(cmd, (inner.get(cmd) ?? 0) + 1);
      return;
    }
    let label = cmd;
    if (cmd === 'evalsha') label = scripts.get(args[1] ?? '') ?? `evalsha ${String(args[1]).slice(0, 8)}`;
    else if (cmd === 'eval') {
      const script = unescapeMonitor(args[1] ?? '');
      label = scripts.get(sha1(script)) ?? scripts.get(sha1(args[1] ?? '')) ?? `eval ${script.trim().split('\n')[0]!.slice(0, 40)}`;
    }
    const connection = names.get(source) ?? source;
    const key = `${connection}\u0000${label}`;
    const entry = counts.get(key) ?? { connection, command: label, calls: 0 };
    entry.calls += 1;
    counts.set(key, entry);
  });
  try {
    await during();
  } finally {
    monitor.disconnect();
  }
  const result = [...counts.values()].sort((a, b) => a.connection.localeCompare(b.connection) || b.calls - a.calls);
  for (const [cmd, calls] of [...inner.entries()].sort((a, b) => b[1] - a[1])) result.push({ connection: '(inside scripts)', command: cmd, calls });
  return result;
}
