import { connect } from 'node:net';

/** One command Redis ran, as MONITOR shows it. */
export interface MonitoredCommand {
  /** The client's `host:port`, or `lua` for a command run inside a script. */
  source: string;
  /** The command and its arguments, unescaped. */
  args: string[];
}

/** A running MONITOR; `stop()` closes its connection. */
export interface RedisMonitor {
  stop(): void;
}

/**
 * Streams every command a Redis runs (MONITOR) to `onCommand`, from the
 * moment the returned promise resolves until `stop()`. MONITOR slows Redis
 * down: watch small samples only.
 *
 * The stream is read from a plain socket, line by line: ioredis's monitor
 * mode lost track of it under a flood of long lines ("Command queue state
 * error", thrown from its socket handler).
 */
export async function monitorRedis(url: string, onCommand: (command: MonitoredCommand) => void): Promise<RedisMonitor> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port || 6379) });
  socket.setEncoding('utf8');
  let buffered = '';
  let started: (() => void) | undefined;
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === '+OK') started?.();
      const command = parseMonitorLine(line);
      if (command) onCommand(command);
    }
  });
  await new Promise<void>((resolve, reject) => {
    started = resolve;
    socket.once('error', reject);
    socket.once('connect', () => socket.write('MONITOR\r\n'));
  });
  socket.on('error', () => undefined);
  return { stop: () => socket.destroy() };
}

/** `+1795477755.955275 [0 127.0.0.1:46198] "evalsha" "513e..." ...` → its source and unescaped arguments. */
function parseMonitorLine(line: string): MonitoredCommand | undefined {
  const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (!match) return undefined;
  const args = [...match[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescapeMonitor(m[1]!));
  return { source: match[1]!, args };
}

/** MONITOR shows arguments escaped (sdscatrepr: \\n, \\", \\xHH...): the text as it was sent. */
function unescapeMonitor(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, c: string) => {
    if (c.length === 3) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[c] ?? c;
  });
}
