/** How the producer client retries on 503, 429 and network errors. */
export interface RetryOptions {
  /** Delay before the first retry (default 200 ms). */
  initialDelayMs?: number;
  /** Longest delay between two tries (default 30 s). */
  maxDelayMs?: number;
  /** Growth of the delay per try (default 2). */
  factor?: number;
  /** ± fraction each delay is spread by, so many clients do not retry in step (default 0.2). */
  jitter?: number;
  /**
   * Tries of one batch before its events are given to onRejected with
   * `retries_exhausted` (default Infinity: keep them until orderbus is back;
   * the spool bounds how many wait).
   */
  maxAttempts?: number;
  /** Per-request timeout (default 10 s); a timeout is retried like a network error. */
  requestTimeoutMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export function resolveRetry(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = {
    initialDelayMs: options.initialDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 0.2,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
  };
  if (!(resolved.initialDelayMs >= 0) || !(resolved.maxDelayMs >= resolved.initialDelayMs)) throw new RangeError('retry: need 0 <= initialDelayMs <= maxDelayMs');
  if (!(resolved.factor >= 1)) throw new RangeError('retry.factor must be >= 1');
  if (!(resolved.jitter >= 0 && resolved.jitter < 1)) throw new RangeError('retry.jitter must be in [0, 1)');
  if (!(resolved.maxAttempts >= 1)) throw new RangeError('retry.maxAttempts must be >= 1');
  return resolved;
}

/**
 * The wait before try `attempt + 1` after `attempt` failed tries:
 * exponential, capped, spread by ±jitter. A Retry-After from orderbus wins
 * when it asks for longer.
 */
export function backoffDelay(retry: ResolvedRetryOptions, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponential = Math.min(retry.maxDelayMs, retry.initialDelayMs * retry.factor ** Math.max(0, attempt - 1));
  const spread = exponential * (1 - retry.jitter + 2 * retry.jitter * random());
  return Math.round(Math.max(spread, retryAfterMs ?? 0));
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
