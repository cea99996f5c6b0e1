import type { RetryPolicy } from './delivery-policy';
import { resultClassOfMessage, type ResultClass } from './result-class';

/** The schedule a failure of this class is retried on: the short one for `http_4xx`, the policy's otherwise. */
export function scheduleFor(retry: RetryPolicy, resultClass: ResultClass | string | undefined): readonly number[] {
  return resultClass === 'http_4xx' ? retry.clientErrorSchedule : retry.schedule;
}

/**
 * Whether attempt `attempt` (1 for the first), failed with `resultClass`,
 * used up its schedule: then there is no retry and the event is a dead letter.
 */
export function scheduleUsedUp(retry: RetryPolicy, attempt: number, resultClass: ResultClass | string | undefined): boolean {
  return attempt > scheduleFor(retry, resultClass).length;
}

/**
 * The delay (ms) before the attempt after failed attempt `attempt`: the
 * schedule's entry spread by ± jitter, but never less than a Retry-After
 * (itself spread upwards only, so a receiver's many events do not all come
 * back in the same second). At least 1 ms, so BullMQ always records the delay.
 */
export function retryDelayMs(
  retry: RetryPolicy,
  attempt: number,
  resultClass: ResultClass | string | undefined,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const schedule = scheduleFor(retry, resultClass);
  const base = schedule[Math.max(0, Math.min(attempt, schedule.length) - 1)] ?? 0;
  const jittered = base * (1 + (random() * 2 - 1) * retry.jitter);
  const asked = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs * (1 + random() * retry.jitter), Math.max(retry.maxRetryAfterMs, retryAfterMs));
  return Math.max(1, Math.round(Math.max(jittered, asked)));
}

/**
 * The custom BullMQ backoff strategy of the delivery queues (jobs name it
 * with `backoff: { type: 'orderbus-policy' }`), built from the policy. BullMQ calls it with the attempts made so far (this one included)
 * and the error the dispatcher failed the job with: its message starts with
 * the result class (which picks the schedule) and it carries `retryAfterMs`.
 */
export function deliveryBackoffStrategy(retry: RetryPolicy, random: () => number = Math.random) {
  return (attemptsMade: number, _type?: string, err?: Error): number => {
    const retryAfterMs = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return retryDelayMs(retry, attemptsMade, resultClassOfMessage(err?.message), typeof retryAfterMs === 'number' ? retryAfterMs : undefined, random);
  };
}
