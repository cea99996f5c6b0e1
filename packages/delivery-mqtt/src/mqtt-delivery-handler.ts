import { DEFAULT_DELIVERY_POLICY, deliveryBodyFor, scheduleUsedUp, type DeliveryError, type DeliveryPolicy } from '@orderbus/delivery';
import type { AttemptDetails, DeliveryContext, DeliveryHandler, DeliveryJob, DeliveryOutcome } from '@orderbus/dispatch';
import type { Logger, Metrics } from '@orderbus/observability';
import { classifyMqttError, MqttDeliveryError } from './mqtt-errors';
import type { MqttClientPool } from './mqtt-client-pool';
import { topicFor } from './mqtt-topics';
import type { ChannelPasswords } from './password-source';

export interface MqttDeliveryHandlerOptions {
  pool: MqttClientPool;
  passwords: ChannelPasswords;
  /** Timeouts and schedules (the same as HTTP deliveries). */
  policy?: DeliveryPolicy;
  logger: Logger;
  metrics?: Metrics;
  now?: () => number;
}

/**
 * Publishes the event to the subscription's MQTT broker with QoS 1, on the
 * seed's topic for its family. The payload is the body an HTTP delivery
 * would POST (full or thin); the broker's PUBACK means delivered. Failures
 * get the result classes of HTTP attempts (`connection_refused`, `timeout`,
 * `mqtt_refused`...) and the same retry schedule, so ordering, health and
 * auto-disable work as for HTTP.
 */
export class MqttDeliveryHandler implements DeliveryHandler {
  private readonly policy: DeliveryPolicy;
  private readonly now: () => number;

  constructor(private readonly options: MqttDeliveryHandlerOptions) {
    this.policy = options.policy ?? DEFAULT_DELIVERY_POLICY;
    this.now = options.now ?? Date.now;
  }

  async deliver(job: DeliveryJob, context: DeliveryContext): Promise<DeliveryOutcome> {
    const { subscription, attempt } = context;
    const retry = this.policy.retry;
    const event = job.data.event;
    const startedAt = this.now();
    const started = performance.now();
    let topic: string | undefined;
    let error: DeliveryError;
    try {
      const channel = subscription.channel;
      if (channel?.type !== 'mqtt') throw new MqttDeliveryError('topic_unresolved', `subscription ${subscription.baseCode} has no MQTT channel`);
      topic = topicFor(event, subscription, channel);
      const password = await this.options.passwords.of(subscription);
      const payload = JSON.stringify(deliveryBodyFor(event, subscription));
      await this.options.pool.publish(
        { url: channel.url, ...(channel.username !== undefined ? { username: channel.username } : {}), ...(password !== undefined ? { password } : {}) },
        topic,
        payload,
        retry.attemptTimeoutMs,
      );
      const durationMs = Math.round(performance.now() - started);
      this.count('delivered', durationMs);
      // winston formats a debug line even when the level hides it: skip the work on the hot path.
      if (this.options.logger.isDebugEnabled()) {
        this.options.logger.debug('delivered over mqtt', { eventId: event.eventId, baseCode: subscription.baseCode, attempt, topic });
      }
      return { kind: 'delivered', attempt: { startedAt, durationMs, resultClass: 'ok', message: `the broker acknowledged (PUBACK) on ${topic}` } };
    } catch (err) {
      error = classifyMqttError(err, retry);
    }
    const durationMs = Math.round(performance.now() - started);
    this.count('failed', durationMs);
    const final = error.final || scheduleUsedUp(retry, attempt, error.resultClass);
    const details: AttemptDetails = { startedAt, durationMs, resultClass: error.resultClass, message: topic ? `${error.detail} (topic ${topic})` : error.detail };
    this.options.logger.info('mqtt delivery attempt failed', { eventId: event.eventId, baseCode: subscription.baseCode, attempt, resultClass: error.resultClass, message: error.detail, final });
    return { kind: 'failed', attempt: details, error, ...(final ? { final: true } : {}) };
  }

  private count(outcome: 'delivered' | 'failed', durationMs: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    metrics.deliveryDuration.observe(durationMs / 1000);
    metrics.deliveries.inc({ outcome, statusClass: 'none' });
  }
}
