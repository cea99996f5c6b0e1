import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { waitUntil, type TestRedis } from '@orderbus/testkit';
import { startRedis } from './redis';
import { startApp, type AppProcess } from './app-process';
import type { Receiver } from './receiver';
import { sleep } from './stats';
import { onInterrupt } from './cleanup';
import { metricSamples } from './metrics-text';

export const PRODUCER_KEY = 'bench-producer-key';
export const ADMIN_TOKEN = 'bench-operator-token';
export const PREFIX = 'ob';

export interface StackOptions {
  /** Names log files and profiles. */
  label: string;
  /** The run's results folder (logs/, profiles/). */
  runDir: string;
  receiver: Receiver;
  /** Subscriptions to register and enable, each matching every event. */
  subscriptions: number;
  /** Per-work-order ordering of the subscriptions (default true, as in production). */
  ordering?: boolean;
  /** Start the worker once the subscriptions are enabled (default false: see startWorker()). */
  worker?: boolean;
  /** node --cpu-prof for producer and worker. */
  profile?: boolean;
  logLevel: string;
  /** Extra ORDERBUS_* variables. */
  env?: Record<string, string>;
  /** The checkout whose built apps to run (default: this one). */
  root?: string;
}

/**
 * One scenario's orderbus: its own redis-server (AOF everysec, as in
 * production), the admin app (only to register and enable the
 * subscriptions, through the real API and connect handshake; stopped after),
 * the producer and, when asked, the worker, each as its own process from the
 * built dist with production defaults.
 */
export interface Stack {
  readonly redis: TestRedis;
  /** A connection of the bench's own (INFO, CLIENT LIST...). */
  readonly client: Redis;
  readonly producer: AppProcess;
  worker: AppProcess | undefined;
  readonly baseCodes: string[];
  readonly env: Record<string, string>;
  startWorker(): Promise<AppProcess>;
  /** POSTs a body to /v1/events; returns the status (202 expected). */
  send(body: string): Promise<number>;
  /** Stops everything and removes the Redis data. */
  close(): Promise<void>;
}

export function baseCodeOf(index: number): string {
  return `BENCH${String(index).padStart(4, '0')}`;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const redis = await startRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  const env: Record<string, string> = {
    ORDERBUS_REDIS_URL: redis.url,
    ORDERBUS_PREFIX: PREFIX,
    ORDERBUS_PRODUCER_KEYS: `bench:${PRODUCER_KEY}`,
    ORDERBUS_ADMIN_TOKENS: `bench:operator:${ADMIN_TOKEN}`,
    ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1',
    ORDERBUS_LOG_LEVEL: options.logLevel,
    ORDERBUS_DRAIN_TIMEOUT_MS: '3000',
    // The machine the bench runs on may be shared and overloaded: a Redis reply slower than the
    // production default (2 s) would turn into 503s and measure the load of others, not orderbus.
    ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '10000',
    ...(options.env ?? {}),
  };
  const logs = join(options.runDir, 'logs');
  const profiles = options.profile ? join(options.runDir, 'profiles') : undefined;
  const started: AppProcess[] = [];
  let pool: Pool | undefined;
  let unregister = (): void => undefined;
  const cleanup = async (): Promise<void> => {
    unregister();
    await pool?.close().catch(() => undefined);
    await Promise.all(started.map((p) => p.stop().catch(() => undefined)));
    client.disconnect();
    await redis.stop();
  };
  unregister = onInterrupt(cleanup);
  try {
    const admin = await startApp('admin', env, { logFile: join(logs, `${options.label}-admin.log`), ...(options.root ? { root: options.root } : {}) });
    started.push(admin);
    const baseCodes = Array.from({ length: options.subscriptions }, (_, i) => baseCodeOf(i + 1));
    await registerSubscriptions(admin.url, baseCodes, options.receiver, options.ordering ?? true);
    await admin.stop();
    started.splice(started.indexOf(admin), 1);

    const producer = await startApp('producer', env, {
      logFile: join(logs, `${options.label}-producer.log`),
      ...(options.root ? { root: options.root } : {}),
      ...(profiles ? { cpuProfDir: profiles } : {}),
    });
    started.push(producer);
    pool = new Pool(producer.url, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
    const producerPool = pool;

    const stack: Stack = {
      redis,
      client,
      producer,
      worker: undefined,
      baseCodes,
      env,
      async startWorker() {
        const worker = await startApp('worker', env, {
          logFile: join(logs, `${options.label}-worker.log`),
          ...(options.root ? { root: options.root } : {}),
          ...(profiles ? { cpuProfDir: profiles } : {}),
        });
        started.push(worker);
        stack.worker = worker;
        await waitForServed(worker, baseCodes.length);
        return worker;
      },
      async send(body) {
        const res = await producerPool.request({
          method: 'POST',
          path: '/v1/events',
          headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' },
          body,
        });
        await res.body.dump();
        return res.statusCode;
      },
      close: cleanup,
    };
    if (options.worker) await stack.startWorker();
    return stack;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** PUT and enable (connect handshake) every subscription through the admin API, 16 at a time. */
async function registerSubscriptions(adminUrl: string, baseCodes: readonly string[], receiver: Receiver, ordering: boolean): Promise<void> {
  const call = async (method: string, path: string, body: unknown): Promise<{ status: number; text: string }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${adminUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        // 503: Redis was slow to answer (a loaded machine); the calls are idempotent, so try again.
        if (res.status === 503 && attempt < 5) {
          await sleep(500 * attempt);
          continue;
        }
        return { status: res.status, text };
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(500 * attempt);
      }
    }
  };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < baseCodes.length) {
      const baseCode = baseCodes[next++]!;
      const put = await call('PUT', `/v1/subscriptions/${baseCode}`, {
        callbackUrl: receiver.callbackUrl(baseCode),
        scope: { dataAreas: '*', changeIds: '*' },
        contact: { name: 'bench', email: 'bench@example.com' },
        ordering,
      });
      if (put.status !== 201 && put.status !== 200) throw new Error(`PUT ${baseCode}: ${put.status} ${put.text}`);
      const enable = await call('POST', `/v1/subscriptions/${baseCode}/enable`, {});
      if (enable.status !== 200) {
        // A retried enable may find the subscription enabled by the first try.
        const res = await fetch(`${adminUrl}/v1/subscriptions/${baseCode}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const current = (await res.json().catch(() => ({}))) as { status?: string };
        if (current.status !== 'enabled') throw new Error(`enable ${baseCode}: ${enable.status} ${enable.text}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, baseCodes.length) }, lane));
}

/** Waits until the worker's gauge says it serves `count` subscription queues. */
export async function waitForServed(worker: AppProcess, count: number, timeoutMs = 120_000): Promise<void> {
  await waitUntil(
    async () => {
      const text = await (await fetch(`${worker.url}/metrics`)).text();
      const served = metricSamples(text, 'orderbus_worker_subscription_queues')[0];
      return served !== undefined && served.value >= count;
    },
    { timeoutMs, intervalMs: 200, description: `the worker to serve ${count} subscriptions` },
  );
}
