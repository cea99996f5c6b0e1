import type { Cluster, Redis } from 'ioredis';
import type { WorkOrderEvent } from '@orderbus/core';

/**
 * Which events belong to a work order, for "find by serviceOrderId" in the
 * admin API and console: one sorted set per order (`<prefix>:work-order:<orderKey>`,
 * event ids scored by acceptance time) that expires `ttlSeconds` after its
 * last event. Written after the fan-out; an index write that fails loses only
 * the lookup, never the event.
 */
export class WorkOrderIndex {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    /** How long an order's index outlives its last event; only writers need it. */
    private readonly ttlSeconds?: number,
  ) {}

  async record(events: readonly WorkOrderEvent[]): Promise<void> {
    const ttl = this.ttlSeconds;
    if (ttl === undefined) throw new Error('WorkOrderIndex.record needs ttlSeconds');
    // One command per key (not a pipeline): on Redis Cluster each order's key may live on another node.
    await Promise.all(
      events
        .filter((e) => e.orderKey !== undefined)
        .flatMap((e) => {
          const key = this.key(e.orderKey!);
          return [this.redis.zadd(key, Date.parse(e.acceptedAt), e.eventId), this.redis.expire(key, ttl)];
        }),
    );
  }

  /** Event ids of a work order, oldest first. */
  async eventIds(orderKey: string): Promise<string[]> {
    return this.redis.zrange(this.key(orderKey), 0, -1);
  }

  private key(orderKey: string): string {
    return `${this.prefix}:work-order:${orderKey}`;
  }
}
