import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { subscriptionQueueName } from '@orderbus/queues';
import { uniquePrefix, waitUntil, type TestRedis } from '@orderbus/testkit';
import { startAppProcess, type AppName, type AppProcess } from './processes';
import { workOrderEvent } from './events';

/**
 * Helpers of the fault suite (e2e/crash*, network*, retention*): the bus as
 * processes against a redis-server of the test's own, a counting receiver,
 * closed-loop load, and BullMQ job counts read straight from Redis.
 */

export const LOAD_PRODUCER_KEY = 'load-producer-key';
export const LOAD_ADMIN_TOKEN = 'load-operator-token';

/** The environment every app process of a fault test gets (small timers so recovery fits in a test). */
export function processEnv(redis: TestRedis, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ORDERBUS_REDIS_URL: redis.url,
    ORDERBUS_PREFIX: prefix,
    ORDERBUS_PRODUCER_KEYS: `workorder:${LOAD_PRODUCER_KEY}`,
    ORDERBUS_ADMIN_TOKENS: `ops:operator:${LOAD_ADMIN_TOKEN}`,
    ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1,::1,localhost',
    // The machine is shared and loaded: a Redis command may take a while without Redis being down.
    ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000',
    ORDERBUS_WORKER_HEARTBEAT_MS: '300',
    ORDERBUS_WORKER_TTL_MS: '2000',
    ORDERBUS_LOCK_DURATION_MS: '3000',
    ORDERBUS_STALLED_INTERVAL_MS: '2000',
    ORDERBUS_SWEEP_INTERVAL_MS: '500',
    ORDERBUS_DRAIN_TIMEOUT_MS: '5000',
    ORDERBUS_RETRY_SCHEDULE: '0,200ms,500ms,1s,2s,2s,2s,2s',
    ORDERBUS_RETRY_JITTER: '0.1',
    ORDERBUS_DELIVERY_CONCURRENCY: '20',
    ...extra,
  };
}

/** The bus's processes of one fault test, and what it needs to drive them. */
export interface ProcessBus {
  readonly redis: TestRedis;
  readonly prefix: string;
  readonly env: Record<string, string>;
  readonly admin: AppProcess;
  producers: AppProcess[];
  workers: AppProcess[];
  /** A Redis connection of the test's own (reconnects after a kill). */
  readonly client: Redis;
  start(name: Exclude<AppName, 'admin'>, extra?: Record<string, string>): Promise<AppProcess>;
  /** PUT + enable through the admin API. */
  subscribe(baseCode: string, callbackUrl: string, scope?: { dataAreas?: '*' | string[]; changeIds?: '*' | number[] }): Promise<void>;
  /** Job counts of a subscription's queue, read from BullMQ's keys. */
  counts(baseCode: string): Promise<JobCounts>;
  close(): Promise<void>;
}

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  completed: number;
  failed: number;
}

/**
 * Starts an app process and waits for `/readyz` too: `/healthz` answers as soon as the process
 * listens, before its Redis connection is up (and the producer and admin fail fast without one).
 */
export async function startReadyProcess(name: AppName, env: Record<string, string>): Promise<AppProcess> {
  const app = await startAppProcess(name, env);
  await waitUntil(async () => (await fetch(`${app.url}/readyz`).catch(() => undefined))?.status === 200, {
    timeoutMs: 30_000,
    intervalMs: 100,
    description: `${name} process to answer /readyz`,
  });
  return app;
}

/** Starts the admin app as a process (producers and workers on demand) against `redis`, under a fresh prefix. */
export async function startProcessBus(redis: TestRedis, extra: Record<string, string> = {}): Promise<ProcessBus> {
  const prefix = uniquePrefix('f');
  const env = processEnv(redis, prefix, extra);
  const admin = await startReadyProcess('admin', env);
  const client = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
  client.on('error', () => undefined);
  const bus: ProcessBus = {
    redis,
    prefix,
    env,
    admin,
    producers: [],
    workers: [],
    client,
    async start(name, more = {}) {
      const app = await startReadyProcess(name, { ...env, ...more });
      (name === 'producer' ? bus.producers : bus.workers).push(app);
      return app;
    },
    async subscribe(baseCode, callbackUrl, scope = {}) {
      const call = async (method: string, path: string, body: unknown): Promise<{ status: number; text: string }> => {
        const res = await fetch(`${admin.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${LOAD_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, text: await res.text() };
      };
      const put = await call('PUT', `/v1/subscriptions/${baseCode}`, {
        callbackUrl,
        scope: { dataAreas: scope.dataAreas ?? '*', changeIds: scope.changeIds ?? '*' },
        contact: { name: `${baseCode} team`, email: `${baseCode.toLowerCase()}@example.com` },
      });
      if (put.status !== 201) throw new Error(`subscribe ${baseCode}: ${put.status} ${put.text}`);
      const enabled = await call('POST', `/v1/subscriptions/${baseCode}/enable`, {});
      if (enabled.status !== 200) throw new Error(`enable ${baseCode}: ${enabled.status} ${enabled.text}`);
    },
    counts: (baseCode) => jobCounts(client, prefix, baseCode),
    async close() {
      await Promise.all([...bus.producers, ...bus.workers, admin].map((p) => p.kill('SIGKILL')));
      client.disconnect();
    },
  };
  return bus;
}

/** BullMQ's job counts of a subscription queue, straight from its keys (one pipeline). */
export async function jobCounts(client: Redis, prefix: string, baseCode: string): Promise<JobCounts> {
  const base = `${prefix}:${subscriptionQueueName(baseCode)}`;
  const replies = (await client
    .pipeline()
    .llen(`${base}:wait`)
    .llen(`${base}:active`)
    .zcard(`${base}:delayed`)
    .zcard(`${base}:prioritized`)
    .zcard(`${base}:completed`)
    .zcard(`${base}:failed`)
    .exec())!;
  const [waiting, active, delayed, prioritized, completed, failed] = replies.map(([err, value]) => {
    if (err) throw err;
    return Number(value);
  }) as [number, number, number, number, number, number];
  return { waiting, active, delayed, prioritized, completed, failed };
}

/** What a counting receiver answers: a status (200 = the seed 002 success reply) after an optional delay; or a handler. */
export type CountingBehaviour =
  | { status?: number; delayMs?: number; failRate?: number }
  | ((req: IncomingMessage, res: ServerResponse, eventId: string) => void);

/**
 * A lean receiver for loads of thousands of deliveries: it keeps a count per
 * (baseCode, eventId) — not every request — and answers as told. Requests
 * without an event id (the connect handshake) are answered 200 and not counted.
 */
export interface CountingReceiver {
  readonly url: string;
  readonly port: number;
  /** `${baseCode}|${eventId}` -> deliveries received (answered or not). */
  readonly counts: Map<string, number>;
  /** Receptions in all (repeats included). */
  received(): number;
  /** Receptions beyond the first of each (baseCode, eventId). */
  duplicates(): number;
  /** Requests being answered right now. */
  open(): number;
  /** When each (baseCode, eventId) was received, every time. */
  readonly seenAt: Map<string, number[]>;
  behave(behaviour: CountingBehaviour): void;
  close(): Promise<void>;
}

const SUCCESS = JSON.stringify({ result: null, success: true, message: 'success', statusCode: 200 });

export async function startCountingReceiver(behaviour: CountingBehaviour = {}): Promise<CountingReceiver> {
  let current = behaviour;
  const counts = new Map<string, number>();
  const seenAt = new Map<string, number[]>();
  const sockets = new Set<Socket>();
  let total = 0;
  let open = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const eventId = req.headers['x-orderbus-event-id'];
      const baseCode = req.headers['x-orderbus-base-code'];
      if (typeof eventId !== 'string' || typeof baseCode !== 'string') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(SUCCESS);
        return;
      }
      const key = `${baseCode}|${eventId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const times = seenAt.get(key);
      if (times) times.push(Date.now());
      else seenAt.set(key, [Date.now()]);
      total += 1;
      const b = current;
      if (typeof b === 'function') {
        b(req, res, eventId);
        return;
      }
      open += 1;
      const answer = (): void => {
        open -= 1;
        if (res.destroyed) return;
        const fail = b.failRate !== undefined && Math.random() < b.failRate;
        const status = fail ? 503 : (b.status ?? 200);
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? SUCCESS : '{"success":false,"message":"flaky"}');
      };
      if (b.delayMs) setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    port,
    counts,
    seenAt,
    received: () => total,
    duplicates: () => total - counts.size,
    open: () => open,
    behave(next) {
      current = next;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The outcome of one request of a load. */
export interface SendResult {
  status: number | undefined;
  /** A network error (connection refused, reset, timeout) instead of an answer. */
  error?: string;
  startedAt: number;
  endedAt: number;
  body?: any;
}

/** POSTs a body to the producer; never throws (a network error is a result too). */
export async function sendEvents(producerUrl: string, body: unknown, timeoutMs = 20_000, key = LOAD_PRODUCER_KEY): Promise<SendResult> {
  const startedAt = Date.now();
  try {
    const res = await fetch(`${producerUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, startedAt, endedAt: Date.now(), body: parsed };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { status: undefined, error: e.cause?.code ?? e.cause?.message ?? e.message, startedAt, endedAt: Date.now() };
  }
}

/**
 * A closed-loop load: `concurrency` clients each send the next item as soon
 * as their previous one was answered, until `next()` returns undefined.
 */
export async function closedLoop<T>(concurrency: number, next: () => T | undefined, send: (item: T) => Promise<void>): Promise<void> {
  const client = async (): Promise<void> => {
    for (let item = next(); item !== undefined; item = next()) await send(item);
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}

/** A valid event of a given dataArea and eventId (one of `orders` work orders, so the order gate is in play). */
export function loadEvent(eventId: string, dataArea: string, orders = 200): Record<string, any> {
  let h = 0;
  for (const c of eventId) h = (h * 31 + c.charCodeAt(0)) | 0;
  return workOrderEvent({ eventId, dataArea, serviceOrderId: `45035997${String(Math.abs(h) % orders).padStart(8, '0')}` });
}

/**
 * Waits until every key of `expected` was received at least once, for at most `timeoutMs`, and
 * gives up earlier when nothing new arrived for `stallMs` (a loaded machine is slow, not stuck);
 * returns the keys still missing.
 */
export async function waitForDeliveries(receiver: CountingReceiver, expected: readonly string[], timeoutMs: number, stallMs = timeoutMs): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let seen = receiver.received();
  let progressAt = Date.now();
  for (;;) {
    const missing = expected.filter((k) => !receiver.counts.has(k));
    if (missing.length === 0) return missing;
    if (receiver.received() !== seen) {
      seen = receiver.received();
      progressAt = Date.now();
    }
    if (Date.now() > deadline || Date.now() - progressAt > stallMs) return missing;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One line of figures for the test output and docs/faults.md. */
export function report(title: string, figures: Record<string, number | string>): void {
  process.stdout.write(`\n[faults] ${title}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(', ')}\n`);
}
