import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { subscriptionQueueName, type DeliveryJobData } from '@orderbus/queues';

/**
 * BullMQ `Queue` handles of subscription queues, created on first use and
 * kept: they share the given connection, so a handle costs no connection.
 */
export class QueueHandles {
  private readonly queues = new Map<string, Queue<DeliveryJobData>>();

  constructor(
    readonly redis: Redis | Cluster,
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

  async close(): Promise<void> {
    const all = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(all.map((q) => q.close().catch(() => undefined)));
  }
}
