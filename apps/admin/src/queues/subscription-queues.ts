import { SubscriptionQueueHandles } from '@orderbus/queues';

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
 * The process's subscription queue handles, with what the admin reads of a
 * queue's state (`stats`). The admin's routes share this one set.
 */
export class SubscriptionQueues extends SubscriptionQueueHandles {
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
}
