import type { Cluster, Redis } from 'ioredis';
import type { RetentionPolicy } from '@orderbus/delivery';
import { attemptKeys } from './attempt-keys';
import type { AttemptRecord } from './attempt-record';
import { READ_RECENT_ATTEMPTS, RECORD_ATTEMPT } from './lua/attempt-scripts';
import { LuaScript, ScriptBatcher } from '@orderbus/queues';

const recordAttempt = new LuaScript(RECORD_ATTEMPT);

/** A page of records and the cursor of the next one (absent on the last page). */
export interface AttemptPage {
  items: AttemptRecord[];
  next?: string;
}

/**
 * Every subscription's delivery attempts in Redis, bounded: the last
 * `recentAttemptsPerSubscription` per subscription, the last
 * `attemptsPerEvent` per (subscription, event), all expiring
 * `attemptHistoryTtlMs` after the subscription's last attempt.
 */
export class AttemptHistory {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly retention: Pick<RetentionPolicy, 'attemptsPerEvent' | 'recentAttemptsPerSubscription' | 'attemptHistoryTtlMs'>,
  ) {}

  /** Stores one attempt; returns its seq. */
  async record(baseCode: string, record: Omit<AttemptRecord, 'seq'>): Promise<number> {
    const keys = attemptKeys(this.prefix, baseCode);
    // Batched with the other bookkeeping scripts of this turn (one EVALSHA for many deliveries).
    const seq = await ScriptBatcher.of(this.redis).run(
      recordAttempt,
      [keys.seq, keys.recent, keys.event(record.eventId)],
      [
        JSON.stringify(record),
        String(this.retention.recentAttemptsPerSubscription),
        String(this.retention.attemptsPerEvent),
        String(this.retention.attemptHistoryTtlMs),
      ],
    );
    return Number(seq);
  }

  /** A subscription's attempts, newest first; `after` is the `next` of the previous page. */
  async recent(baseCode: string, page: { limit: number; after?: string }): Promise<AttemptPage> {
    const after = page.after !== undefined && /^\d+$/.test(page.after) ? page.after : '';
    const raw = (await this.redis.eval(READ_RECENT_ATTEMPTS, 1, attemptKeys(this.prefix, baseCode).recent, after, String(page.limit + 1))) as string[];
    const records = raw.map((json) => JSON.parse(json) as AttemptRecord);
    const items = records.slice(0, page.limit);
    return records.length > page.limit && items.length > 0 ? { items, next: String(items[items.length - 1]!.seq) } : { items };
  }

  /** One event's attempts at a subscription, oldest first. */
  async ofEvent(baseCode: string, eventId: string): Promise<AttemptRecord[]> {
    const raw = await this.redis.lrange(attemptKeys(this.prefix, baseCode).event(eventId), 0, -1);
    return raw.map((json) => JSON.parse(json) as AttemptRecord);
  }
}
