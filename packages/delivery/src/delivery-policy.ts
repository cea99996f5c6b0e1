const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** When and how often a failed delivery is tried again, and how long one attempt may take. */
export interface RetryPolicy {
  /**
   * Delays (ms) before attempts 2..n after a retryable failure: the event is
   * tried `schedule.length + 1` times in all, then it becomes a dead letter.
   */
  schedule: number[];
  /** Each delay is spread by ± this fraction (0.2 = ±20 %) so failed events do not come back all at once. */
  jitter: number;
  /**
   * Delays (ms) after a 4xx other than 408/410/429 (the receiver may be
   * mid-deploy): a 4xx on attempt n waits `clientErrorSchedule[n - 1]`; a 4xx
   * on an attempt past its end makes the event a dead letter.
   */
  clientErrorSchedule: number[];
  /** A receiver's `Retry-After` (429/503) is honoured up to this (ms). */
  maxRetryAfterMs: number;
  /** One attempt, from connecting to the end of the response body, must finish within this (ms). */
  attemptTimeoutMs: number;
  /** Establishing the TCP (and TLS) connection must finish within this (ms). */
  connectTimeoutMs: number;
  /** Bytes of a response body that are read (and kept as the attempt's snippet); the rest is never read. */
  maxResponseBytes: number;
}

/** When a subscription counts as degraded or failing, and when it is switched off (used by the lifecycle/health tracker). */
export interface HealthPolicy {
  /** Attempts in the sliding window the success rate is computed over. */
  windowSize: number;
  /** Success rate in the window under which the subscription is `degraded`. */
  degradedBelowSuccessRate: number;
  /** Success rate in the window under which the subscription is `failing`. */
  failingBelowSuccessRate: number;
  /** ...or this many failed attempts in a row make it `failing`. */
  failingAfterConsecutiveFailures: number;
  /** This many failed attempts in a row auto-disable the subscription... */
  autoDisableAfterConsecutiveFailures: number;
  /** ...but only once it has been `failing` for at least this long (ms). */
  autoDisableAfterFailingForMs: number;
  /** At most one alert e-mail per subscription and kind within this (ms). */
  alertThrottleMs: number;
}

/** What is kept for an auto-disabled subscription while nobody delivers its events. */
export interface BacklogPolicy {
  /** Events kept queued; the oldest beyond this are dropped. */
  maxWhileAutoDisabled: number;
  /** Events older than this (ms) are dropped. */
  maxAgeWhileAutoDisabledMs: number;
}

/** How much delivery history is kept in Redis. */
export interface RetentionPolicy {
  /** Attempts kept per (subscription, event); the oldest go first. */
  attemptsPerEvent: number;
  /** Attempts kept in a subscription's recent list (LTRIM). */
  recentAttemptsPerSubscription: number;
  /** The attempt history of a subscription expires this long (ms) after its last attempt. */
  attemptHistoryTtlMs: number;
  /** Delivered jobs are kept this long (ms), so a repeated fan-out of the same eventId stays a no-op. */
  completedJobsTtlMs: number;
  /** Characters of a response body kept in the attempt history (the attempt reads up to `retry.maxResponseBytes`). */
  attemptSnippetChars: number;
  /**
   * How long (ms) a thin subscription can still pull an event it was notified
   * of (`GET /v1/events/:eventId`) after its delivered job is gone.
   */
  pullableEventsTtlMs: number;
}

/**
 * THE delivery policy: retries, health thresholds, backlog and retention.
 * Every number of the delivery path comes from here (the worker reads
 * overrides from its environment with `policyFromEnv`).
 */
export interface DeliveryPolicy {
  retry: RetryPolicy;
  health: HealthPolicy;
  backlog: BacklogPolicy;
  retention: RetentionPolicy;
}

/** The defaults: 9 attempts over about 27.5 hours (± jitter). */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = Object.freeze({
  retry: Object.freeze({
    schedule: Object.freeze([0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]) as number[],
    jitter: 0.2,
    clientErrorSchedule: Object.freeze([5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE]) as number[],
    maxRetryAfterMs: HOUR,
    attemptTimeoutMs: 10 * SECOND,
    connectTimeoutMs: 5 * SECOND,
    maxResponseBytes: 4096,
  }),
  health: Object.freeze({
    windowSize: 50,
    degradedBelowSuccessRate: 0.95,
    failingBelowSuccessRate: 0.5,
    failingAfterConsecutiveFailures: 5,
    autoDisableAfterConsecutiveFailures: 20,
    autoDisableAfterFailingForMs: 30 * MINUTE,
    alertThrottleMs: HOUR,
  }),
  backlog: Object.freeze({
    maxWhileAutoDisabled: 100_000,
    maxAgeWhileAutoDisabledMs: 7 * DAY,
  }),
  retention: Object.freeze({
    attemptsPerEvent: 50,
    recentAttemptsPerSubscription: 1000,
    attemptHistoryTtlMs: 7 * DAY,
    completedJobsTtlMs: HOUR,
    attemptSnippetChars: 512,
    pullableEventsTtlMs: 7 * DAY,
  }),
});
