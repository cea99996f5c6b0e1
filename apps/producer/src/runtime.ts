import type { Express } from 'express';
import { createDomainMessageValidator, createEventValidator, isDomainEvent } from '@orderbus/core';
import { parseTokenList } from '@orderbus/http';
import type { Logger, Metrics } from '@orderbus/observability';
import { createMetrics } from '@orderbus/observability';
import { SubscriptionCache } from '@orderbus/registry';
import { createRedisConnection, DEFAULT_DELIVERY_JOB_POLICY, Fanout, type RedisClient } from '@orderbus/queues';
import { IngestService, WorkOrderIndex } from '@orderbus/ingest';
import { createProducerApp } from './app';
import type { ProducerEnv } from './env';

/** The producer, wired from its configuration: used by main.ts and by the end-to-end tests. */
export interface ProducerRuntime {
  app: Express;
  redis: RedisClient;
  metrics: Metrics;
  close(): Promise<void>;
}

export function createProducerRuntime(env: ProducerEnv, logger: Logger): ProducerRuntime {
  const metrics = createMetrics('producer');
  const redis = createRedisConnection(env.ORDERBUS_REDIS_URL, 'ingest', {
    commandTimeoutMs: env.ORDERBUS_REDIS_COMMAND_TIMEOUT_MS,
    connectionName: 'orderbus-producer',
  });
  redis.on('error', (err: Error) => logger.debug('redis connection error', { err: err.message }));
  const fanout = new Fanout(redis, {
    prefix: env.ORDERBUS_PREFIX,
    idempotencyTtlSeconds: env.ORDERBUS_IDEMPOTENCY_TTL_SECONDS,
    jobPolicy: {
      ...DEFAULT_DELIVERY_JOB_POLICY,
      keepCompletedSeconds: Math.max(1, Math.ceil(env.ORDERBUS_COMPLETED_JOBS_TTL_MS / 1000)),
      keepCompletedCount: env.ORDERBUS_COMPLETED_JOBS_MAX,
      keepFailedCount: env.ORDERBUS_DEAD_LETTERS_MAX,
    },
  });
  const ingest = new IngestService({
    validator: createEventValidator({ mode: env.ORDERBUS_VALIDATION_MODE, enableSupervise: env.ORDERBUS_ENABLE_SUPERVISE }),
    // Customer, org... messages (docs/families.md), in the same validation mode.
    messages: createDomainMessageValidator({ mode: env.ORDERBUS_VALIDATION_MODE }),
    subscriptions: new SubscriptionCache(redis, env.ORDERBUS_PREFIX),
    fanout,
    maxBatch: env.ORDERBUS_MAX_BATCH,
    // Lookups by work order live as long as eventIds are remembered.
    workOrders: new WorkOrderIndex(redis, env.ORDERBUS_PREFIX, env.ORDERBUS_IDEMPOTENCY_TTL_SECONDS),
    onIndexError: (err) => logger.warn('work-order index not written', { err: err instanceof Error ? err.message : String(err) }),
    observer: {
      accepted: (event) =>
        isDomainEvent(event) ? metrics.familyEventsAccepted.inc({ family: event.family, type: event.type }) : metrics.eventsAccepted.inc({ changeId: String(event.changeId) }),
      duplicate: () => metrics.eventsDuplicate.inc(),
      problems: (problems) => problems.forEach((p) => metrics.eventProblems.inc({ code: p.code })),
      renamedKeys: (count) => metrics.keysRenamed.inc(count),
      enqueued: (jobs) => metrics.jobsFannedOut.inc(jobs),
    },
  });
  const app = createProducerApp({
    ingest,
    producerKeys: parseTokenList(env.ORDERBUS_PRODUCER_KEYS, 'producer'),
    maxBodyBytes: env.ORDERBUS_MAX_BODY_BYTES,
    rateLimit: { eventsPerSecond: env.ORDERBUS_PRODUCER_RATE_LIMIT, burst: env.ORDERBUS_PRODUCER_RATE_BURST },
    logger,
    metrics,
    ready: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
  });
  return {
    app,
    redis,
    metrics,
    async close() {
      await fanout.close();
      redis.disconnect();
    },
  };
}
