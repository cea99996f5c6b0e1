import type { Redis } from 'ioredis';
import { healthKeys } from './health-keys';
import { LATENCY_BUCKETS_MS, latencyBucket, type FailedAttempt, type HealthBucket, type HealthState, type HealthSummary } from './health';
import { MIN_SAMPLES_FOR_RATE, type HealthPolicy } from './health-policy';
import { RECORD_ATTEMPTS } from './lua/record-attempt';
import { LuaScript, RecordCoalescer, ScriptBatcher } from '@orderbus/queues';

const recordAttempts = new LuaScript(RECORD_ATTEMPTS);

/** How a recorded attempt changed the subscription's health. */
export interface HealthChange {
  previousState: HealthState;
  state: HealthState;
  consecutiveFailures: number;
  /** Epoch ms of the first failure of the current run, if failing. */
  failingSince?: number;
  successRate: number;
  samples: number;
}

const MINUTE_MS = 60_000;
const BUCKET_TTL_SECONDS = 2 * 24 * 3600;
const RECENT_FAILURES_KEPT = 20;
/** Attempts of one subscription in one script call at most. */
const ATTEMPTS_PER_WRITE = 100;

/** One finished attempt, as health records it. */
export interface HealthAttempt {
  ok: boolean;
  /** When it started (epoch ms). */
  at: number;
  durationMs: number;
  failure?: FailedAttempt;
}

export interface HealthStoreOptions {
  /**
   * Longest a successful attempt waits to be recorded with others of its
   * subscription (ms); a failure is recorded at once, with the attempts
   * before it. 0 (default): only attempts recorded together share a write.
   */
  recordDelayMs?: number;
}

/**
 * Per-subscription health in Redis: a rolling window of the last attempts,
 * the current run of failures, the last error, and per-minute buckets for
 * history charts. Every worker process writes through one Lua script, so the
 * state and its transitions are the same whoever delivered.
 */
export class HealthStore {
  private readonly attempts: RecordCoalescer<HealthAttempt, HealthChange>;
  /** The thresholds as the recording script takes them, made once. */
  private readonly policyArgs: string[];

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly thresholds: HealthPolicy,
    options: HealthStoreOptions = {},
  ) {
    this.attempts = new RecordCoalescer({
      delayMs: options.recordDelayMs ?? 0,
      maxRecords: ATTEMPTS_PER_WRITE,
      write: (baseCode, attempts) => this.write(baseCode, attempts),
    });
    this.policyArgs = [
      String(thresholds.windowSize),
      String(BUCKET_TTL_SECONDS),
      String(thresholds.degradedBelowSuccessRate),
      String(thresholds.failingBelowSuccessRate),
      String(thresholds.failingAfterConsecutiveFailures),
      String(MIN_SAMPLES_FOR_RATE),
      String(RECENT_FAILURES_KEPT),
    ];
  }

  /**
   * Records a finished attempt; resolves to how it changed the health. A
   * subscription's attempts are recorded in the order given: successes may
   * wait up to `recordDelayMs` to share a write, a failure goes at once.
   */
  record(baseCode: string, attempt: HealthAttempt): Promise<HealthChange> {
    return this.attempts.add(baseCode, attempt, !attempt.ok);
  }

  /** Writes every attempt still waiting now, and later ones without waiting (on shutdown). */
  flush(): void {
    this.attempts.flush();
  }

  /** One script call for a subscription's attempts, batched with the other bookkeeping scripts of this turn. */
  private async write(baseCode: string, attempts: readonly HealthAttempt[]): Promise<HealthChange[]> {
    const keys = healthKeys(this.prefix, baseCode);
    const minuteKeys: string[] = [];
    const minuteIndex = new Map<number, number>();
    const args = [...this.policyArgs];
    for (const attempt of attempts) {
      const minute = Math.floor(attempt.at / MINUTE_MS);
      let index = minuteIndex.get(minute);
      if (index === undefined) {
        index = minuteKeys.push(keys.minute(minute));
        minuteIndex.set(minute, index);
      }
      args.push(
        attempt.ok ? '1' : '0',
        String(attempt.at),
        String(Math.round(attempt.durationMs)),
        attempt.failure ? JSON.stringify(attempt.failure) : '',
        `b${latencyBucket(attempt.durationMs)}`,
        String(index),
      );
    }
    const replies = (await ScriptBatcher.of(this.redis).run(recordAttempts, [keys.summary, keys.window, keys.recentFailures, ...minuteKeys], args)) as Array<
      [string, string, number, string, number, number]
    >;
    return replies.map(([previousState, state, consecutiveFailures, failingSince, rate, samples]) => ({
      previousState: previousState as HealthState,
      state: state as HealthState,
      consecutiveFailures,
      ...(failingSince ? { failingSince: Number(failingSince) } : {}),
      successRate: rate / 10000,
      samples,
    }));
  }

  async summary(baseCode: string): Promise<HealthSummary> {
    const keys = healthKeys(this.prefix, baseCode);
    const [[, hash], [, window], [, failures]] = (await this.redis
      .multi()
      .hgetall(keys.summary)
      .lrange(keys.window, 0, -1)
      .lrange(keys.recentFailures, 0, -1)
      .exec()) as [[unknown, Record<string, string>], [unknown, string[]], [unknown, string[]]];
    const durations = window.map((entry) => Number(entry.slice(2))).sort((a, b) => a - b);
    const successes = window.filter((entry) => entry.startsWith('1')).length;
    const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : undefined);
    const summary: HealthSummary = {
      state: (hash.state as HealthState | undefined) ?? 'unknown',
      successRate: window.length === 0 ? 1 : successes / window.length,
      window: window.length,
      consecutiveFailures: Number(hash.consecutiveFailures ?? 0),
      recentFailures: failures.map((json) => JSON.parse(json) as FailedAttempt),
      receiverErrors: Number(hash.receiverErrors ?? 0),
    };
    const optional: Partial<HealthSummary> = {
      failingSince: iso(hash.failingSince),
      lastError: hash.lastError ? (JSON.parse(hash.lastError) as FailedAttempt) : undefined,
      lastSuccessAt: iso(hash.lastSuccessAt),
      lastAttemptAt: iso(hash.lastAttemptAt),
      stateChangedAt: iso(hash.stateChangedAt),
      p50Ms: percentile(durations, 0.5),
      p99Ms: percentile(durations, 0.99),
      lastReceiverErrorAt: iso(hash.lastReceiverErrorAt),
    };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) (summary as unknown as Record<string, unknown>)[k] = v;
    return summary;
  }

  /** The health state of each subscription (unknown when it has none yet), in one round trip. */
  async states(baseCodes: readonly string[]): Promise<Map<string, HealthState>> {
    if (baseCodes.length === 0) return new Map();
    // One command per subscription, not one pipeline: on Redis Cluster each summary lives in its own queue's slot.
    const states = await Promise.all(baseCodes.map((baseCode) => this.redis.hget(healthKeys(this.prefix, baseCode).summary, 'state')));
    return new Map(baseCodes.map((baseCode, i) => [baseCode, (states[i] ?? 'unknown') as HealthState]));
  }

  /** Per-minute buckets from `since` to now (at most two days back). */
  async history(baseCode: string, since: number, now = Date.now()): Promise<HealthBucket[]> {
    const keys = healthKeys(this.prefix, baseCode);
    const from = Math.max(Math.floor(since / MINUTE_MS), Math.floor(now / MINUTE_MS) - (BUCKET_TTL_SECONDS * 1000) / MINUTE_MS);
    const to = Math.floor(now / MINUTE_MS);
    const pipeline = this.redis.pipeline();
    for (let m = from; m <= to; m++) pipeline.hgetall(keys.minute(m));
    const replies = (await pipeline.exec()) ?? [];
    const buckets: HealthBucket[] = [];
    replies.forEach(([, value], index) => {
      const hash = value as Record<string, string>;
      const attempts = Number(hash.attempts ?? 0);
      if (attempts === 0) return;
      const failures = Number(hash.failures ?? 0);
      const counts = LATENCY_BUCKETS_MS.map((_, i) => Number(hash[`b${i}`] ?? 0));
      const bucket: HealthBucket = {
        at: new Date((from + index) * MINUTE_MS).toISOString(),
        attempts,
        failures,
        successRate: (attempts - failures) / attempts,
      };
      const p50 = histogramQuantile(counts, 0.5);
      const p99 = histogramQuantile(counts, 0.99);
      if (p50 !== undefined) bucket.p50Ms = p50;
      if (p99 !== undefined) bucket.p99Ms = p99;
      buckets.push(bucket);
    });
    return buckets;
  }

  /** Forgets the health of a subscription (on delete, or when it is re-enabled after a fix). */
  async reset(baseCode: string): Promise<void> {
    const keys = healthKeys(this.prefix, baseCode);
    await this.redis.del(keys.summary, keys.window, keys.recentFailures, keys.alertThrottle);
  }

  /**
   * Claims the right to send a failure alert now; false while an alert for
   * this subscription was sent less than `alertThrottleMs` ago. Each kind
   * (`failing`, `receiver-error`) is throttled on its own.
   */
  async claimAlert(baseCode: string, kind: 'failing' | 'receiver-error' = 'failing'): Promise<boolean> {
    const key = healthKeys(this.prefix, baseCode).alertThrottle;
    const result = await this.redis.set(kind === 'failing' ? key : `${key}:${kind}`, String(Date.now()), 'PX', this.thresholds.alertThrottleMs, 'NX');
    return result === 'OK';
  }

  /** Counts an error a receiver reported after accepting a delivery; returns the count since the last reset. */
  async recordReceiverError(baseCode: string, at: number): Promise<number> {
    const summary = healthKeys(this.prefix, baseCode).summary;
    const [[, count]] = (await this.redis.multi().hincrby(summary, 'receiverErrors', 1).hset(summary, 'lastReceiverErrorAt', String(at)).exec()) as [[unknown, number]];
    return count;
  }
}

function percentile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** The upper bound of the latency bucket holding quantile q (bucketed, so approximate). */
function histogramQuantile(counts: number[], q: number): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= q * total) {
      const bound = LATENCY_BUCKETS_MS[i]!;
      return Number.isFinite(bound) ? bound : LATENCY_BUCKETS_MS[i - 1]!;
    }
  }
  return undefined;
}
