import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { subscriptionQueueName } from '@orderbus/queues';

/** What `GET /v1/subscriptions/:baseCode/queue` answers: the state of a subscription's queue. */
export interface QueueStats {
  /** Jobs ready to be delivered (waiting and prioritized). */
  waiting: number;
  /** Deliveries in flight. */
  active: number;
  /** Retries scheduled for later. */
  delayed: number;
  /** Events that used up their attempts (BullMQ's failed set). */
  deadLetters: number;
  /** Delivered jobs still kept (for deduplication; trimmed by age and count). */
  completed: number;
  /** Whether the queue is paused (nothing is claimed). */
  paused: boolean;
  /** Age of the oldest waiting job in ms; 0 when nothing waits. */
  oldestWaitingAgeMs: number;
}

/**
 * The admin's handles on subscription queues, one BullMQ `Queue` per
 * baseCode, created on first use and kept (they share the admin's
 * connection, so a handle costs no connection).
 */
export class SubscriptionQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    readonly redis: Redis | Cluster,
    private readonly prefix: string,
  ) {}

  of(baseCode: string): Queue {
    let queue = this.queues.get(baseCode);
    if (!queue) {
      queue = new Queue(subscriptionQueueName(baseCode), { connection: this.redis as Redis, prefix: this.prefix });
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

  async stats(baseCode: string, now = Date.now()): Promise<QueueStats> {
    const queue = this.of(baseCode);
    const [counts, paused, oldest] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      queue.isPaused(),
      // asc: the oldest job of the wait list first.
      queue.getJobs(['waiting'], 0, 0, true),
    ]);
    const oldestAt = oldest[0]?.timestamp;
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      deadLetters: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      paused,
      oldestWaitingAgeMs: oldestAt ? Math.max(0, now - oldestAt) : 0,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.keys()].map((b) => this.forget(b)));
  }
}
