import { randomBytes } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@orderbus/observability';
import { SubscriptionQueue } from '@orderbus/dispatch';
import { subscriptionQueueName } from '@orderbus/queues';
import type { SubscriptionStore } from '@orderbus/registry';
import type { BacklogPolicy } from './health-policy';

const TRIM_LOCK_MS = 60_000;
const LOCK_SETTINGS = { lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 10 };

/**
 * Keeps the backlog of an auto-disabled subscription within its limits (count
 * and age): the oldest events beyond them become dead letters, with the
 * reason, instead of growing Redis without bound. Also discards a whole
 * backlog on request (re-enable with `discardBacklog`).
 */
export class BacklogTrimmer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly store: SubscriptionStore,
    private readonly limits: BacklogPolicy,
    private readonly logger: Logger,
  ) {}

  /** Trims every auto-disabled subscription; returns how many events went to the dead letters. */
  async trimAll(now = Date.now()): Promise<number> {
    const { subscriptions } = await this.store.list();
    let trimmed = 0;
    for (const s of subscriptions) if (s.status === 'auto-disabled') trimmed += await this.trim(s.baseCode, now);
    return trimmed;
  }

  async trim(baseCode: string, now = Date.now()): Promise<number> {
    return this.withLock(baseCode, async (queue) => {
      const counts = await queue.queue.getJobCounts('waiting', 'delayed', 'prioritized');
      const total = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
      let overCount = Math.max(0, total - this.limits.maxWhileAutoDisabled);
      // Delayed retries are part of the backlog: bring them in line, oldest first.
      await queue.queue.promoteJobs();
      const oldest = await queue.queue.getJobs(['wait'], 0, 999, true);
      const cutoff = now - this.limits.maxAgeWhileAutoDisabledMs;
      let drop = 0;
      for (const job of oldest) {
        if (overCount > 0 || job.timestamp < cutoff) {
          drop += 1;
          overCount -= 1;
        } else break;
      }
      return this.deadLetter(queue, drop, (n) => `backlog limit while auto-disabled (${this.limits.maxWhileAutoDisabled} events, ${Math.round(this.limits.maxAgeWhileAutoDisabledMs / 3_600_000)} h); dropped ${n} oldest`);
    });
  }

  /** Moves every queued event of a subscription to its dead letters with `reason`. */
  async discardAll(baseCode: string, reason: string): Promise<number> {
    return this.withLock(baseCode, async (queue) => {
      await queue.queue.promoteJobs();
      const counts = await queue.queue.getJobCounts('waiting', 'prioritized');
      return this.deadLetter(queue, (counts.waiting ?? 0) + (counts.prioritized ?? 0), () => reason);
    });
  }

  private async deadLetter(queue: SubscriptionQueue, count: number, reason: (n: number) => string): Promise<number> {
    let moved = 0;
    const tag = randomBytes(4).toString('hex');
    for (let i = 0; i < count; i++) {
      const token = `trim:${tag}:${i}`;
      const claim = await queue.claim(token);
      if (!claim.job) break;
      await claim.job.moveToFailed(new UnrecoverableError(reason(count)), token, false);
      moved += 1;
    }
    if (moved > 0) this.logger.warn('backlog events moved to dead letters', { baseCode: queue.baseCode, count: moved, reason: reason(count) });
    return moved;
  }

  private async withLock(baseCode: string, work: (queue: SubscriptionQueue) => Promise<number>): Promise<number> {
    const lockKey = `${this.prefix}:${subscriptionQueueName(baseCode)}:backlog-trim`;
    const locked = await this.redis.set(lockKey, '1', 'PX', TRIM_LOCK_MS, 'NX');
    if (locked !== 'OK') return 0;
    const queue = new SubscriptionQueue(baseCode, this.redis, this.prefix, LOCK_SETTINGS);
    try {
      return await work(queue);
    } finally {
      await queue.close();
      await this.redis.del(lockKey);
    }
  }
}
