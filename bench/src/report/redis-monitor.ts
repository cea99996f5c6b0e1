import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
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
  /** Scripts run inside a ScriptBatcher's EVALSHA: not commands of their own (left out of command totals). */
  withinBatch?: true;
}

/**
 * Records every command Redis runs while `during()` runs (MONITOR), and
 * counts the top-level ones (sent by a client, not run inside a script) by
 * client connection name and command, with scripts named. MONITOR slows
 * Redis down: run it over a small sample only.
 *
 * The stream is read from a plain socket, line by line: ioredis's monitor
 * mode lost track of the stream under a flood of long lines ("Command queue
 * state error", thrown from its socket handler) and crashed the bench.
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
  const onLine = (line: string): void => {
    const parsed = parseMonitorLine(line);
    if (!parsed) return;
    const { source, args } = parsed;
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
      const script = unescapeMonitor(args[1] ?? '');
      label = scripts.get(sha1(script)) ?? scripts.get(sha1(args[1] ?? '')) ?? `eval ${script.trim().split('\n')[0]!.slice(0, 40)}`;
    }
    count(connection, label);
  };

  const socket = connect({ host: client.options.host ?? '127.0.0.1', port: client.options.port ?? 6379 });
  socket.setEncoding('utf8');
  let buffered = '';
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      onLine(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
    }
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write('MONITOR\r\n');
  try {
    await during();
  } finally {
    socket.destroy();
  }
  const result = [...counts.values()].sort((a, b) => a.connection.localeCompare(b.connection) || b.calls - a.calls);
  for (const [cmd, calls] of [...inner.entries()].sort((a, b) => b[1] - a[1])) result.push({ connection: '(inside scripts)', command: cmd, calls });
  return result;
}

/** `+1795477755.955275 [0 127.0.0.1:46198] "evalsha" "513e..." ...` → its source and unescaped arguments. */
function parseMonitorLine(line: string): { source: string; args: string[] } | undefined {
  const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (!match) return undefined;
  const args = [...match[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescapeMonitor(m[1]!));
  return { source: match[1]!, args };
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
