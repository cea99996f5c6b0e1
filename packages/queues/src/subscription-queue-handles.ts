import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryJobData } from './delivery-job';
import { subscriptionQueueName } from './queue-names';
import type { RedisClient } from './redis-connection';

/**
 * BullMQ `Queue` handles of subscription queues, one per baseCode, created on
 * first use and kept: they share the given connection, so a handle costs no
 * connection. One set per process, shared by whoever reads or operates the
 * queues (the admin's routes, dead letters, event lookups).
 */
export class SubscriptionQueueHandles {
  private readonly queues = new Map<string, Queue<DeliveryJobData>>();

  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
  ) {}

  of(baseCode: string): Queue<DeliveryJobData> {
    let queue = this.queues.get(baseCode);
    if (!queue) {
      queue = new Queue<DeliveryJobData>(subscriptionQueueName(baseCode), { connection: this.redis as Redis, prefix: this.prefix });
      // Errors reach the caller of each command; the emitter must not crash the process.
      queue.on('error', () => undefined);
      this.queues.set(baseCode, queue);
    }
    return queue;
  }

  /** Closes the handles of baseCodes not in `keep` (deleted subscriptions). */
  async retain(keep: ReadonlySet<string>): Promise<void> {
    const gone = [...this.queues.keys()].filter((b) => !keep.has(b));
    await Promise.all(gone.map((b) => this.forget(b)));
  }

  async forget(baseCode: string): Promise<void> {
    const queue = this.queues.get(baseCode);
    this.queues.delete(baseCode);
    await queue?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.keys()].map((b) => this.forget(b)));
  }
}
