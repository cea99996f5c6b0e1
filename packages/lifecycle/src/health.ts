/** The health of a subscription, from its recent attempts. */
export type HealthState = 'unknown' | 'healthy' | 'degraded' | 'failing';

/** One failed attempt as health keeps it (for the alert e-mail and the API). */
export interface FailedAttempt {
  at: number;
  eventId: string;
  attemptNumber: number;
  status?: number;
  resultClass: string;
  message: string;
}

/** What `GET /v1/subscriptions/:baseCode/health` answers. */
export interface HealthSummary {
  state: HealthState;
  /** Successes / attempts over the rolling window (1 when there were none). */
  successRate: number;
  /** Attempts in the window. */
  window: number;
  consecutiveFailures: number;
  /** ISO time of the first failure of the current run of failures. */
  failingSince?: string;
  lastError?: FailedAttempt;
  lastSuccessAt?: string;
  lastAttemptAt?: string;
  stateChangedAt?: string;
  p50Ms?: number;
  p99Ms?: number;
  /** The last failed attempts, newest first. */
  recentFailures: FailedAttempt[];
  /** Errors receivers reported after accepting deliveries (`POST /v1/events/:eventId/errors`), since the health was last reset. */
  receiverErrors: number;
  /** ISO time of the last one. */
  lastReceiverErrorAt?: string;
}

/** One minute of a subscription's attempts. */
export interface HealthBucket {
  at: string;
  attempts: number;
  failures: number;
  successRate: number;
  p50Ms?: number;
  p99Ms?: number;
}

/** Upper bounds (ms) of the latency buckets kept per minute; the last one is open. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, Infinity];

export function latencyBucket(durationMs: number): number {
  return LATENCY_BUCKETS_MS.findIndex((bound) => durationMs <= bound);
}
