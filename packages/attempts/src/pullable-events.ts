import type { Cluster, Redis } from 'ioredis';
import type { OrderbusEvent } from '@orderbus/core';
import { deliveryJobId, subscriptionQueueName, type DeliveryJobData, type SubscriptionQueueHandles } from '@orderbus/queues';

/**
 * The events a thin subscription was notified of, kept so that it can pull
 * them (`GET /v1/events/:eventId`) after the job is gone: delivered jobs are
 * removed after an hour, a receiver may pull later. One string per
 * (subscription, event), `<prefix>:{sub.<baseCode>}:pull:<eventId>`, written
 * before each thin delivery and expiring `ttlMs` after the last one.
 */
export class PullableEvents {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    /** How long an event stays pullable (the policy's retention.pullableEventsTtlMs); only writers need it. */
    private readonly ttlMs?: number,
  ) {}

  async keep(baseCode: string, event: OrderbusEvent): Promise<void> {
    if (this.ttlMs === undefined) throw new Error('PullableEvents.keep needs ttlMs');
    await this.redis.set(this.key(baseCode, event.eventId), JSON.stringify(event), 'PX', this.ttlMs);
  }

  async get(baseCode: string, eventId: string): Promise<OrderbusEvent | undefined> {
    const json = await this.redis.get(this.key(baseCode, eventId));
    return json ? (JSON.parse(json) as OrderbusEvent) : undefined;
  }

  private key(baseCode: string, eventId: string): string {
    return `${this.prefix}:${subscriptionQueueName(baseCode)}:pull:${eventId}`;
  }
}

/**
 * The event as a subscription was sent it: from its job while the job
 * exists, else from the pull record of a thin subscription. Undefined when
 * the subscription was never queued the event (or both have expired): a
 * subscription reads only its own events.
 */
export async function eventOfSubscription(queues: SubscriptionQueueHandles, pullable: PullableEvents, baseCode: string, eventId: string): Promise<OrderbusEvent | undefined> {
  const job = await queues.of(baseCode).getJob(deliveryJobId(eventId));
  if (job) return (job.data as DeliveryJobData).event;
  return pullable.get(baseCode, eventId);
}
