import type { Express } from 'express';
import { parseTokenList } from '@orderbus/http';
import { createMetrics, type Logger, type Metrics } from '@orderbus/observability';
import { createRedisConnection, type RedisClient } from '@orderbus/queues';
import { createAdminApp } from './app';
import type { AdminEnv } from './env';
import { BROKER_PROTOCOLS, CallbackGuard, createDeliveryAgent, policyFromEnv } from '@orderbus/delivery';
import type { Redis } from 'ioredis';
import { createAdminLifecycle } from './lifecycle-wiring';
import { MqttClientPool } from '@orderbus/delivery-mqtt';

/** The admin app, wired from its configuration: used by main.ts and by the end-to-end tests. */
export interface AdminRuntime {
  app: Express;
  redis: RedisClient;
  metrics: Metrics;
  close(): Promise<void>;
}

export function createAdminRuntime(env: AdminEnv, logger: Logger): AdminRuntime {
  const metrics = createMetrics('admin');
  const redis = createRedisConnection(env.ORDERBUS_REDIS_URL, 'ingest', {
    commandTimeoutMs: env.ORDERBUS_REDIS_COMMAND_TIMEOUT_MS,
    connectionName: 'orderbus-admin',
  });
  redis.on('error', (err: Error) => logger.debug('redis connection error', { err: err.message }));
  const policy = policyFromEnv(env);
  const guard = new CallbackGuard(env.ORDERBUS_CALLBACK_ALLOWLIST);
  const lifecycle = createAdminLifecycle({
    redis: redis as Redis,
    prefix: env.ORDERBUS_PREFIX,
    policy,
    // The connect handshake goes out like a delivery: host names resolve through the SSRF guard.
    agent: createDeliveryAgent(policy.retry, guard),
    // ...and for MQTT subscriptions it is a publish to their broker, whose host the same guard checks.
    mqtt: new MqttClientPool({ connectTimeoutMs: policy.retry.connectTimeoutMs, guard, logger }),
    logger,
    ...(env.ORDERBUS_CONSOLE_URL ? { consoleUrl: env.ORDERBUS_CONSOLE_URL } : {}),
  });
  const app = createAdminApp({
    lifecycle,
    redis,
    prefix: env.ORDERBUS_PREFIX,
    adminTokens: parseTokenList(env.ORDERBUS_ADMIN_TOKENS),
    logger,
    metrics,
    ready: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
    checkCallbackUrl: callbackChecker(env.ORDERBUS_CALLBACK_ALLOWLIST),
    checkBrokerUrl: (url) => guard.check(url, BROKER_PROTOCOLS),
    ...(env.ORDERBUS_CONSOLE_DIR ? { consoleDir: env.ORDERBUS_CONSOLE_DIR } : {}),
    auditMaxEntries: env.ORDERBUS_AUDIT_MAX_ENTRIES,
  });
  return {
    app,
    redis,
    metrics,
    async close() {
      await lifecycle.close();
      redis.disconnect();
    },
  };
}

/** The SSRF guard's registration check (refuses internal callback hosts unless allowlisted). */
function callbackChecker(allowlist: readonly string[]): (url: string) => Promise<string | undefined> {
  const guard = new CallbackGuard(allowlist);
  return (url) => guard.check(url);
}
