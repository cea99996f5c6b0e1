import type { Redis } from 'ioredis';
import type { DeliveryPolicy } from '@orderbus/delivery';
import type { Logger, Metrics } from '@orderbus/observability';
import { SubscriptionStore } from '@orderbus/registry';
import {
  AlertOutbox,
  AlertSender,
  BacklogTrimmer,
  ConnectHandshake,
  HealthObserver,
  HealthStore,
  HttpCallbackProbe,
  SubscriptionLifecycle,
} from '@orderbus/lifecycle';
import type { Dispatcher } from 'undici';
import type { WorkerEnv } from './env';

/** The worker's part of the subscription lifecycle: health, alerts, auto-disable, backlog limits. */
export interface WorkerLifecycle {
  observer: HealthObserver;
  start(): void;
  close(): Promise<void>;
}

export function createWorkerLifecycle(env: WorkerEnv, redis: Redis, policy: DeliveryPolicy, logger: Logger, metrics: Metrics, agent?: Dispatcher): WorkerLifecycle {
  const prefix = env.ORDERBUS_PREFIX;
  const store = new SubscriptionStore(redis, prefix);
  const health = new HealthStore(redis, prefix, policy.health, { recordDelayMs: env.ORDERBUS_ATTEMPT_RECORD_DELAY_MS });
  const outbox = new AlertOutbox(redis, prefix);
  const backlog = new BacklogTrimmer(redis, prefix, store, policy.backlog, logger);
  const lifecycle = new SubscriptionLifecycle({
    redis,
    prefix,
    store,
    health,
    handshake: new ConnectHandshake(new HttpCallbackProbe(store, policy.retry, agent)),
    outbox,
    backlog,
    logger,
    ...(env.ORDERBUS_CONSOLE_URL ? { consoleUrl: env.ORDERBUS_CONSOLE_URL } : {}),
  });
  let sender: AlertSender | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    observer: new HealthObserver(health, lifecycle, outbox, policy.health, logger),
    start() {
      sender = new AlertSender({
        connection: redis,
        prefix,
        ...(env.ORDERBUS_SMTP_URL ? { smtpUrl: env.ORDERBUS_SMTP_URL } : {}),
        from: env.ORDERBUS_MAIL_FROM,
        logger,
        metrics,
      });
      timer = setInterval(() => {
        backlog.trimAll().catch((err: unknown) => logger.warn('backlog trim failed', { err: String(err) }));
      }, env.ORDERBUS_BACKLOG_TRIM_INTERVAL_MS);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await sender?.close();
      await outbox.close();
    },
  };
}
