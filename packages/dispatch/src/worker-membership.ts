import { createHash } from 'node:crypto';
import type { RedisClient as Redis } from '@orderbus/queues';

/**
 * Which worker process serves which subscription. Workers heartbeat into one
 * sorted set; each subscription belongs to the live worker with the highest
 * rendezvous hash of (baseCode, workerId). Every worker computes the same
 * answer from the same live set, so subscriptions spread evenly, each has
 * exactly one owner, and when a worker dies its subscriptions move to the
 * others once its heartbeat is older than `ttlMs` — with no per-subscription
 * lease keys to renew.
 */
export class WorkerMembership {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly workerId: string,
    private readonly ttlMs: number,
  ) {
    this.key = `${prefix}:workers`;
  }

  /** Records this worker as alive and returns the live workers (sorted). */
  async heartbeat(now = Date.now()): Promise<string[]> {
    const replies = await this.redis
      .multi()
      .zadd(this.key, now, this.workerId)
      .zremrangebyscore(this.key, '-inf', now - this.ttlMs)
      .zrange(this.key, 0, -1)
      .exec();
    const live = (replies?.[2]?.[1] as string[] | undefined) ?? [this.workerId];
    return [...live].sort();
  }

  /** Leaves the group at shutdown, so the others take over at once instead of after `ttlMs`. */
  async leave(): Promise<void> {
    await this.redis.zrem(this.key, this.workerId);
  }

  /** The owner of a subscription among the live workers. */
  static ownerOf(baseCode: string, live: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestScore = '';
    for (const worker of live) {
      const score = createHash('sha1').update(`${baseCode}\u0000${worker}`).digest('hex');
      if (score > bestScore) {
        bestScore = score;
        best = worker;
      }
    }
    return best;
  }
}
