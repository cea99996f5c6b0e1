import type { Cluster, Redis } from 'ioredis';
import type { RetentionPolicy } from '@orderbus/delivery';
import { attemptKeys } from './attempt-keys';
import { AttemptPeriods } from './attempt-periods';
import type { AttemptRecord } from './attempt-record';
import { READ_EVENT_ATTEMPTS, READ_RECENT_ATTEMPTS, RECORD_ATTEMPTS } from './lua/attempt-scripts';
import { readStoredAttempt, storedAttemptJson } from './stored-attempt';
import { LuaScript, RecordCoalescer, ScriptBatcher } from '@orderbus/queues';

const recordAttempts = new LuaScript(RECORD_ATTEMPTS);
const readEventAttempts = new LuaScript(READ_EVENT_ATTEMPTS);
/** Attempts of one subscription in one script call at most. */
const RECORDS_PER_WRITE = 100;

/** A page of records and the cursor of the next one (absent on the last page). */
export interface AttemptPage {
  items: AttemptRecord[];
  next?: string;
}

export interface AttemptHistoryOptions {
  /**
   * Longest a delivered attempt waits to be stored with others of its
   * subscription (ms); a failed one is stored at once, with the attempts
   * before it. 0 (default): only attempts recorded together share a write.
   */
  recordDelayMs?: number;
  /** The clock that picks an attempt's period (epoch ms; default Date.now). */
  clock?: () => number;
}

/**
 * Every subscription's delivery attempts in Redis, bounded: the last
 * `recentAttemptsPerSubscription` per subscription (expiring
 * `attemptHistoryTtlMs` after its last attempt), and the last
 * `attemptsPerEvent` per (subscription, event) and period, each kept at
 * least `attemptHistoryTtlMs` and at most a period longer (AttemptPeriods).
 */
export class AttemptHistory {
  /** Records waiting for their write, already serialised (a string is all that is kept meanwhile). */
  private readonly records: RecordCoalescer<{ eventId: string; json: string }, number>;
  private readonly periods: AttemptPeriods;
  private readonly clock: () => number;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly retention: Pick<RetentionPolicy, 'attemptsPerEvent' | 'recentAttemptsPerSubscription' | 'attemptHistoryTtlMs'>,
    options: AttemptHistoryOptions = {},
  ) {
    this.periods = new AttemptPeriods(retention.attemptHistoryTtlMs);
    this.clock = options.clock ?? Date.now;
    this.records = new RecordCoalescer({
      delayMs: options.recordDelayMs ?? 0,
      maxRecords: RECORDS_PER_WRITE,
      write: (baseCode, records) => this.write(baseCode, records),
    });
  }

  /**
   * Stores one attempt; resolves to its seq. A subscription's attempts are
   * stored in the order given: delivered ones may wait up to `recordDelayMs`
   * to share a write, a failed one goes at once.
   */
  record(baseCode: string, record: Omit<AttemptRecord, 'seq'>): Promise<number> {
    return this.records.add(baseCode, { eventId: record.eventId, json: storedAttemptJson(record) }, record.outcome === 'failed');
  }

  /** Writes every attempt still waiting now, and later ones without waiting (on shutdown). */
  flush(): void {
    this.records.flush();
  }

  /** One script call for a subscription's attempts, batched with the other bookkeeping scripts of this turn. */
  private async write(baseCode: string, records: ReadonlyArray<{ eventId: string; json: string }>): Promise<number[]> {
    const keys = attemptKeys(this.prefix, baseCode);
    // One period for all of a write's records: they are written now.
    const start = this.periods.startOf(this.clock());
    const first = Number(
      await ScriptBatcher.of(this.redis).run(
        recordAttempts,
        [keys.seq, keys.recent, keys.periods, keys.eventsInPeriod(start)],
        [
          String(this.retention.recentAttemptsPerSubscription),
          String(this.retention.attemptsPerEvent),
          String(this.retention.attemptHistoryTtlMs),
          String(start),
          String(this.periods.expiryOf(start)),
          ...records.flatMap((record) => [record.eventId, record.json]),
        ],
      ),
    );
    return records.map((_, i) => first + i);
  }

  /** A subscription's attempts, newest first; `after` is the `next` of the previous page. */
  async recent(baseCode: string, page: { limit: number; after?: string }): Promise<AttemptPage> {
    const after = page.after !== undefined && /^\d+$/.test(page.after) ? page.after : '';
    const raw = (await this.redis.eval(READ_RECENT_ATTEMPTS, 1, attemptKeys(this.prefix, baseCode).recent, after, String(page.limit + 1))) as string[];
    const records = raw.map(readStoredAttempt);
    const items = records.slice(0, page.limit);
    return records.length > page.limit && items.length > 0 ? { items, next: String(items[items.length - 1]!.seq) } : { items };
  }

  /**
   * One event's attempts at a subscription, oldest first: the last
   * `attemptsPerEvent` (the writer's) of each period it had attempts in.
   * Not trimmed again here: a reader's policy may not be the writer's.
   */
  async ofEvent(baseCode: string, eventId: string): Promise<AttemptRecord[]> {
    const keys = attemptKeys(this.prefix, baseCode);
    // The periods the writers listed (an expired one's hash is simply gone), oldest first.
    const starts = (await this.redis.zrange(keys.periods, 0, -1)).map(Number).sort((a, b) => a - b);
    const periodKeys = starts.map((start) => keys.eventsInPeriod(start));
    const stored = (await readEventAttempts.run(this.redis, [keys.event(eventId), ...periodKeys], [eventId])) as string[];
    // A period holds the event's records one per line (JSON has no raw newline); an event retried across periods has several runs.
    return stored.flatMap((run) => run.split('\n')).map(readStoredAttempt);
  }
}
