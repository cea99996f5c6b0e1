import type { Redis } from 'ioredis';
import type { DeliveryPolicy } from '@orderbus/delivery';
import type { Logger } from '@orderbus/observability';
import { RegistrationCredentials, SubscriptionStore } from '@orderbus/registry';
import { AlertOutbox, BacklogTrimmer, ConnectHandshake, HealthStore, HttpCallbackProbe, ReceiverErrors, SubscriptionLifecycle } from '@orderbus/lifecycle';
import { ChannelCallbackProbe, ChannelPasswords, type MqttClientPool } from '@orderbus/delivery-mqtt';
import type { Dispatcher } from 'undici';

/** The admin app's part of the subscription lifecycle: enable with handshake, disable, health, owner credentials. */
export interface AdminLifecycle {
  lifecycle: SubscriptionLifecycle;
  health: HealthStore;
  credentials: RegistrationCredentials;
  /** Errors receivers report about events they accepted: health count and throttled e-mail. */
  receiverErrors: ReceiverErrors;
  close(): Promise<void>;
}

export function createAdminLifecycle(options: {
  redis: Redis;
  prefix: string;
  policy: DeliveryPolicy;
  logger: Logger;
  consoleUrl?: string;
  /** The SSRF-checking agent deliveries use, so the handshake is checked the same way. */
  agent?: Dispatcher;
  /** MQTT clients for the connect handshake of MQTT subscriptions (through the same SSRF guard). */
  mqtt?: MqttClientPool;
}): AdminLifecycle {
  const { redis, prefix, policy, logger } = options;
  const store = new SubscriptionStore(redis, prefix);
  const health = new HealthStore(redis, prefix, policy.health);
  const outbox = new AlertOutbox(redis, prefix);
  const lifecycle = new SubscriptionLifecycle({
    redis,
    prefix,
    store,
    health,
    handshake: new ConnectHandshake(
      options.mqtt
        ? new ChannelCallbackProbe(new HttpCallbackProbe(store, policy.retry, options.agent), options.mqtt, new ChannelPasswords(store), policy.retry)
        : new HttpCallbackProbe(store, policy.retry, options.agent),
    ),
    outbox,
    backlog: new BacklogTrimmer(redis, prefix, store, policy.backlog, logger),
    logger,
    ...(options.consoleUrl ? { consoleUrl: options.consoleUrl } : {}),
  });
  return {
    lifecycle,
    health,
    credentials: new RegistrationCredentials(redis, prefix),
    receiverErrors: new ReceiverErrors(store, health, outbox, logger, options.consoleUrl),
    close: async () => {
      await outbox.close();
      await options.mqtt?.close();
    },
  };
}
