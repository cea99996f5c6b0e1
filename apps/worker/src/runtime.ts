import type { Redis } from 'ioredis';
import { createMetrics, type Logger, type Metrics } from '@orderbus/observability';
import { SigningSecretCache, SubscriptionCache, SubscriptionStore } from '@orderbus/registry';
import { createRedisConnection, type RedisClient } from '@orderbus/queues';
import { Dispatcher, HttpDeliveryHandler } from '@orderbus/dispatch';
import { CallbackGuard, createDeliveryAgent, deliveryBackoffStrategy, policyFromEnv } from '@orderbus/delivery';
import { AttemptHistory, AttemptHistoryObserver, PullableEvents } from '@orderbus/attempts';
import { ChannelDeliveryHandler, ChannelPasswords, MqttClientPool, MqttDeliveryHandler } from '@orderbus/delivery-mqtt';
import type { WorkerEnv } from './env';
import { createWorkerLifecycle } from './lifecycle-wiring';

/** The delivery worker, wired from its configuration: used by main.ts and by the end-to-end tests. */
export interface WorkerRuntime {
  dispatcher: Dispatcher;
  redis: RedisClient;
  metrics: Metrics;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createWorkerRuntime(env: WorkerEnv, logger: Logger): WorkerRuntime {
  const metrics = createMetrics('worker');
  const redis = createRedisConnection(env.ORDERBUS_REDIS_URL, 'worker', {
    connectionName: 'orderbus-worker',
    autoPipelining: env.ORDERBUS_REDIS_AUTO_PIPELINING,
  });
  redis.on('error', (err: Error) => logger.debug('redis connection error', { err: err.message }));
  const policy = policyFromEnv(env);
  const subscriptions = new SubscriptionCache(redis, env.ORDERBUS_PREFIX);
  // One keep-alive pool per process; host names resolve through the SSRF guard.
  const guard = new CallbackGuard(env.ORDERBUS_CALLBACK_ALLOWLIST);
  const agent = createDeliveryAgent(policy.retry, guard);
  const lifecycle = createWorkerLifecycle(env, redis as Redis, policy, logger, metrics, agent);
  const history = new AttemptHistory(redis, env.ORDERBUS_PREFIX, policy.retention, { recordDelayMs: env.ORDERBUS_ATTEMPT_RECORD_DELAY_MS });
  // One MQTT client per broker for the whole process; broker hosts are checked by the same SSRF guard.
  const mqttClients = new MqttClientPool({ connectTimeoutMs: policy.retry.connectTimeoutMs, guard, logger });
  const http = new HttpDeliveryHandler({
    policy,
    secrets: new SigningSecretCache(redis, env.ORDERBUS_PREFIX, subscriptions),
    guard,
    agent,
    logger,
    metrics,
  });
  const mqtt = new MqttDeliveryHandler({
    pool: mqttClients,
    passwords: new ChannelPasswords(new SubscriptionStore(redis, env.ORDERBUS_PREFIX)),
    policy,
    logger,
    metrics,
  });
  const dispatcher = new Dispatcher({
    connection: redis,
    prefix: env.ORDERBUS_PREFIX,
    subscriptions,
    // HTTP or MQTT per subscription; thin subscriptions' events are kept for their pull first.
    handler: new ChannelDeliveryHandler({ http, mqtt, pullable: new PullableEvents(redis, env.ORDERBUS_PREFIX, policy.retention.pullableEventsTtlMs), logger }),
    // Retries follow the policy's schedule with jitter, Retry-After and the short schedule for 4xx.
    backoffStrategy: deliveryBackoffStrategy(policy.retry),
    concurrencyPerSubscription: env.ORDERBUS_DELIVERY_CONCURRENCY,
    maxInFlight: env.ORDERBUS_MAX_IN_FLIGHT,
    lockDurationMs: env.ORDERBUS_LOCK_DURATION_MS,
    stalledIntervalMs: env.ORDERBUS_STALLED_INTERVAL_MS,
    maxStalledCount: env.ORDERBUS_MAX_STALLED_COUNT,
    sweepIntervalMs: env.ORDERBUS_SWEEP_INTERVAL_MS,
    drainTimeoutMs: env.ORDERBUS_DRAIN_TIMEOUT_MS,
    heartbeatIntervalMs: env.ORDERBUS_WORKER_HEARTBEAT_MS,
    workerTtlMs: env.ORDERBUS_WORKER_TTL_MS,
    maxParkMs: env.ORDERBUS_MAX_PARK_MS,
    logger,
    onServedChange: (count) => metrics.servedQueues.set(count),
    observers: [new AttemptHistoryObserver(history, policy.retention), lifecycle.observer],
  });
  return {
    dispatcher,
    redis,
    metrics,
    async start() {
      await dispatcher.start();
      lifecycle.start();
    },
    async close() {
      await dispatcher.close();
      await lifecycle.close();
      await mqttClients.close();
      await agent.close();
      redis.disconnect();
    },
  };
}
