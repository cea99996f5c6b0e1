import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { close, listen } from '@orderbus/http';
import { WorkerMembership } from '@orderbus/dispatch';
import { createLogger } from '@orderbus/observability';
import { createRedisConnection, subscriptionQueueName, waitForReady } from '@orderbus/queues';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { readProducerEnv } from '../../apps/producer/src/env';
import { createProducerRuntime } from '../../apps/producer/src/runtime';
import { readAdminEnv } from '../../apps/admin/src/env';
import { createAdminRuntime } from '../../apps/admin/src/runtime';
import { readWorkerEnv } from '../../apps/worker/src/env';
import { createWorkerRuntime, type WorkerRuntime } from '../../apps/worker/src/runtime';

export const PRODUCER_KEY = 'test-producer-key';
export const OPERATOR_TOKEN = 'test-operator-token';
export const VIEWER_TOKEN = 'test-viewer-token';

export interface BusOptions {
  /** Extra environment for the producer, admin and worker (ORDERBUS_* variables). */
  env?: Record<string, string>;
  /** Start the delivery worker (default true). */
  workers?: boolean;
  /** Reuse a Redis (several buses on one server); a new one is started otherwise. */
  redis?: TestRedis;
}

/**
 * The whole bus in-process against a real Redis of the test's own, wired by
 * the apps' own runtimes from environment variables exactly as in production:
 * producer and admin on loopback ports, the delivery worker, a unique prefix.
 */
export interface TestBus {
  redis: TestRedis;
  prefix: string;
  producerUrl: string;
  adminUrl: string;
  worker: WorkerRuntime | undefined;
  /** POSTs to /v1/events; returns status and parsed body. */
  send(body: unknown, init?: { headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Calls the admin API with the operator token (or the given one). */
  admin(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Registers and enables a subscription; returns its signing secret. */
  subscribe(baseCode: string, callbackUrl: string, scope?: { dataAreas?: '*' | string[]; changeIds?: '*' | number[] }): Promise<string>;
  /** Job counts of a subscription's queue. */
  counts(baseCode: string): Promise<Record<string, number>>;
  /** A Redis connection of the test's own to the bus's Redis. */
  redisClient(): Redis;
  /** Which live worker owns each subscription (from the workers' heartbeats). */
  workerOwnership(baseCodes: string[]): Promise<Map<string, string>>;
  /** Waits until the worker serves exactly these subscriptions. */
  waitForWorkers(baseCodes: string[]): Promise<void>;
  /** The warnings the bus logged (the log is otherwise silent), oldest first. */
  warnings(): ReadonlyArray<{ message: string; meta: Record<string, unknown> }>;
  close(): Promise<void>;
}

function url(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startBus(options: BusOptions = {}): Promise<TestBus> {
  const ownRedis = !options.redis;
  const redis = options.redis ?? (await startRedisServer());
  const prefix = uniquePrefix();
  const logger = createLogger({ service: 'test', silent: true });
  // Silent, but a test may ask what the bus warned about (e.g. deliveries recovered after a lost lock).
  const warnings: Array<{ message: string; meta: Record<string, unknown> }> = [];
  const warn = logger.warn.bind(logger) as (message: string, meta?: Record<string, unknown>) => unknown;
  (logger as unknown as { warn: (message: string, meta?: Record<string, unknown>) => unknown }).warn = (message, meta) => {
    warnings.push({ message, meta: meta ?? {} });
    return warn(message, meta);
  };
  const env = {
    ORDERBUS_REDIS_URL: redis.url,
    ORDERBUS_PREFIX: prefix,
    ORDERBUS_PRODUCER_KEYS: `workorder:${PRODUCER_KEY}`,
    ORDERBUS_ADMIN_TOKENS: `ops:operator:${OPERATOR_TOKEN},watcher:viewer:${VIEWER_TOKEN}`,
    ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000',
    ORDERBUS_LOCK_DURATION_MS: '5000',
    ORDERBUS_STALLED_INTERVAL_MS: '5000',
    ORDERBUS_SWEEP_INTERVAL_MS: '1000',
    ORDERBUS_DRAIN_TIMEOUT_MS: '5000',
    ORDERBUS_WORKER_HEARTBEAT_MS: '500',
    ORDERBUS_WORKER_TTL_MS: '3000',
    ORDERBUS_DELIVERY_TIMEOUT_MS: '5000',
    ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1,::1,localhost',
    ...options.env,
  };
  const producer = createProducerRuntime(readProducerEnv(env), logger);
  const adminRuntime = createAdminRuntime(readAdminEnv(env), logger);
  await Promise.all([waitForReady(producer.redis), waitForReady(adminRuntime.redis)]);
  const producerServer = await listen(producer.app, 0, '127.0.0.1');
  const adminServer = await listen(adminRuntime.app, 0, '127.0.0.1');

  let worker: WorkerRuntime | undefined;
  if (options.workers !== false) {
    worker = createWorkerRuntime(readWorkerEnv(env), logger);
    await worker.start();
  }
  const queueConnection = createRedisConnection(redis.url, 'worker');
  queueConnection.on('error', () => undefined);

  const producerUrl = url(producerServer);
  const adminUrl = url(adminServer);
  const queues = new Map<string, Queue>();
  const queueOf = (baseCode: string): Queue => {
    let q = queues.get(baseCode);
    if (!q) {
      q = new Queue(subscriptionQueueName(baseCode), { connection: queueConnection as Redis, prefix });
      queues.set(baseCode, q);
    }
    return q;
  };

  const bus: TestBus = {
    warnings: () => warnings,
    redis,
    prefix,
    producerUrl,
    adminUrl,
    worker,
    async send(body, init = {}) {
      const res = await fetch(`${producerUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
        body: init.raw ?? JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async admin(method, path, body, token = OPERATOR_TOKEN) {
      const res = await fetch(`${adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async subscribe(baseCode, callbackUrl, scope = {}) {
      const put = await bus.admin('PUT', `/v1/subscriptions/${baseCode}`, {
        callbackUrl,
        scope: { dataAreas: scope.dataAreas ?? '*', changeIds: scope.changeIds ?? '*' },
        contact: { name: `${baseCode} team`, email: `${baseCode.toLowerCase()}@example.com` },
      });
      if (put.status !== 201) throw new Error(`subscribe ${baseCode}: ${put.status} ${JSON.stringify(put.body)}`);
      const enabled = await bus.admin('POST', `/v1/subscriptions/${baseCode}/enable`, {});
      if (enabled.status !== 200) throw new Error(`enable ${baseCode}: ${enabled.status} ${JSON.stringify(enabled.body)}`);
      return put.body.signingSecret as string;
    },
    async counts(baseCode) {
      return queueOf(baseCode).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    },
    redisClient() {
      return queueConnection as Redis;
    },
    async workerOwnership(baseCodes) {
      const live = await (queueConnection as Redis).zrangebyscore(`${prefix}:workers`, Date.now() - 5000, '+inf');
      return new Map(baseCodes.map((b) => [b, WorkerMembership.ownerOf(b, live.sort()) ?? '']));
    },
    async waitForWorkers(baseCodes) {
      const want = [...baseCodes].sort().join(',');
      const deadline = Date.now() + 10_000;
      while ((worker?.dispatcher.servedBaseCodes().sort().join(',') ?? '') !== want) {
        if (Date.now() > deadline) throw new Error(`the worker serves ${worker?.dispatcher.servedBaseCodes().join(',')}, not ${want}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await worker?.close();
      await Promise.all([...queues.values()].map((q) => q.close()));
      queueConnection.disconnect();
      await close(producerServer);
      await close(adminServer);
      await producer.close();
      await adminRuntime.close();
      if (ownRedis) await redis.stop();
    },
  };
  return bus;
}
