import type { PullableEvents } from '@orderbus/attempts';
import { DeliveryPreparationError } from '@orderbus/delivery';
import type { DeliveryContext, DeliveryHandler, DeliveryJob, DeliveryOutcome } from '@orderbus/dispatch';
import type { Logger } from '@orderbus/observability';

export interface ChannelDeliveryHandlerOptions {
  /** The HTTP handler (HttpDeliveryHandler): subscriptions without a channel, or `{type: 'http'}`. */
  http: DeliveryHandler;
  /** The MQTT handler (MqttDeliveryHandler). */
  mqtt: DeliveryHandler;
  /** Where thin subscriptions' events are kept for their pull; without it thin deliveries cannot be pulled once the job is gone. */
  pullable?: PullableEvents;
  logger: Logger;
  now?: () => number;
}

/**
 * The worker's delivery handler: picks the subscription's channel (HTTP or
 * MQTT) for every attempt. Before a thin notification goes out, the event is
 * kept for the receiver's pull (`GET /v1/events/:eventId`) for the
 * retention's `pullableEventsTtlMs`: notified means pullable.
 */
export class ChannelDeliveryHandler implements DeliveryHandler {
  constructor(private readonly options: ChannelDeliveryHandlerOptions) {}

  async deliver(job: DeliveryJob, context: DeliveryContext): Promise<DeliveryOutcome> {
    const { subscription } = context;
    if (subscription.payload === 'thin' && this.options.pullable) {
      const startedAt = (this.options.now ?? Date.now)();
      try {
        await this.options.pullable.keep(subscription.baseCode, job.data.event);
      } catch (err) {
        const message = `the event could not be kept for the pull, so no thin notification was sent: ${err instanceof Error ? err.message : String(err)}`;
        this.options.logger.warn('thin delivery postponed', { eventId: job.data.event.eventId, baseCode: subscription.baseCode, err: String(err) });
        return { kind: 'failed', attempt: { startedAt, durationMs: 0, resultClass: 'internal_error', message }, error: new DeliveryPreparationError('internal_error', message) };
      }
    }
    return (subscription.channel?.type === 'mqtt' ? this.options.mqtt : this.options.http).deliver(job, context);
  }
}
