import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { redisConfIn } from './redis-conf';
import { waitUntil } from './wait-until';

export interface RedisServerOptions {
  /** AOF on, as in production (default true); the other settings are infra/redis/redis.conf's. */
  appendonly?: boolean;
  /** Extra `--key value` arguments. */
  args?: string[];
}

/** A redis-server of the test's own, on a free port, with its data in a temp folder. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** The running process (undefined while stopped). */
  readonly process: ChildProcess | undefined;
  /** kill -9 (or another signal); the data dir is kept so `start()` recovers from the AOF. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data dir. */
  start(): Promise<void>;
  /** Stops it and removes the data dir. */
  stop(): Promise<void>;
}

/**
 * Starts a redis-server of its own for a test file (like a database per test
 * file): tests may kill, stall and restart it without touching anyone else.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'orderbus-redis-'));
  const appendonly = options.appendonly ?? true;
  let child: ChildProcess | undefined;

  const args = [
    redisConfIn(dir),
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', appendonly ? 'yes' : 'no',
    '--protected-mode', 'no',
    '--logfile', join(dir, 'redis.log'),
    ...(options.args ?? []),
  ];

  async function start(): Promise<void> {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    const started = child;
    let exited = false;
    started.once('exit', () => {
      exited = true;
    });
    await waitUntil(
      async () => {
        if (exited) throw new Error(`redis-server exited; see ${join(dir, 'redis.log')}`);
        const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          // While loading the AOF Redis answers LOADING; wait until it serves.
          return (await probe.ping()) === 'PONG';
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 15_000, intervalMs: 25, description: `redis-server on port ${port}` },
    );
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') {
      await exited;
      child = undefined;
    }
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get process() {
      return child;
    },
    kill,
    start,
    async stop() {
      if (child && child.signalCode === null && child.exitCode === null) {
        child.kill('SIGCONT');
        await kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
