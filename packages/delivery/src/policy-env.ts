import { env, z } from '@orderbus/config';
import { DEFAULT_DELIVERY_POLICY as D, type DeliveryPolicy } from './delivery-policy';
import { formatDuration, parseDurationList } from './duration';

/** A comma-separated list of durations (`0,5s,5m,30m,2h`), defaulting to `fallback`. */
const durationList = (fallback: readonly number[]) =>
  z
    .string()
    .default(fallback.map(formatDuration).join(','))
    .refine((v) => parseDurationList(v) !== undefined, 'must be comma-separated durations such as 0,5s,5m,30m,2h (units ms, s, m, h, d)')
    .transform((v) => parseDurationList(v)!);

const fraction = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/**
 * The delivery policy's environment variables, as zod fields for an app's
 * env schema (`z.object({ ...deliveryPolicyEnv, ... })`). Every default is
 * the one of DEFAULT_DELIVERY_POLICY.
 */
export const deliveryPolicyEnv = {
  /** Delays before attempts 2..n: `0,5s,5m,30m,2h,5h,10h,10h`. */
  ORDERBUS_RETRY_SCHEDULE: durationList(D.retry.schedule),
  /** ± fraction each retry delay is spread by. */
  ORDERBUS_RETRY_JITTER: fraction(D.retry.jitter),
  /** Delays after a 4xx other than 408/410/429: `5s,30s,2m,10m`. */
  ORDERBUS_CLIENT_ERROR_RETRY_SCHEDULE: durationList(D.retry.clientErrorSchedule),
  ORDERBUS_MAX_RETRY_AFTER_MS: env.ms(D.retry.maxRetryAfterMs),
  /** The whole attempt: connect, send, response head and body. */
  ORDERBUS_DELIVERY_TIMEOUT_MS: env.ms(D.retry.attemptTimeoutMs),
  ORDERBUS_CONNECT_TIMEOUT_MS: env.ms(D.retry.connectTimeoutMs),
  ORDERBUS_MAX_RESPONSE_BYTES: env.int(D.retry.maxResponseBytes, 0),
  ORDERBUS_HEALTH_WINDOW_SIZE: env.int(D.health.windowSize, 1),
  ORDERBUS_HEALTH_DEGRADED_BELOW: fraction(D.health.degradedBelowSuccessRate),
  ORDERBUS_HEALTH_FAILING_BELOW: fraction(D.health.failingBelowSuccessRate),
  ORDERBUS_HEALTH_FAILING_AFTER_FAILURES: env.int(D.health.failingAfterConsecutiveFailures, 1),
  ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: env.int(D.health.autoDisableAfterConsecutiveFailures, 1),
  ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: env.ms(D.health.autoDisableAfterFailingForMs),
  ORDERBUS_ALERT_THROTTLE_MS: env.ms(D.health.alertThrottleMs),
  ORDERBUS_BACKLOG_MAX_WHILE_AUTO_DISABLED: env.int(D.backlog.maxWhileAutoDisabled, 0),
  ORDERBUS_BACKLOG_MAX_AGE_MS: env.ms(D.backlog.maxAgeWhileAutoDisabledMs),
  ORDERBUS_ATTEMPTS_PER_EVENT: env.int(D.retention.attemptsPerEvent, 1),
  ORDERBUS_RECENT_ATTEMPTS_PER_SUBSCRIPTION: env.int(D.retention.recentAttemptsPerSubscription, 1),
  ORDERBUS_ATTEMPT_HISTORY_TTL_MS: env.ms(D.retention.attemptHistoryTtlMs),
  ORDERBUS_COMPLETED_JOBS_TTL_MS: env.ms(D.retention.completedJobsTtlMs),
  ORDERBUS_ATTEMPT_SNIPPET_CHARS: env.int(D.retention.attemptSnippetChars, 0),
  /** How long a thin subscription can pull an event it was notified of. */
  ORDERBUS_THIN_EVENTS_TTL_MS: env.ms(D.retention.pullableEventsTtlMs),
};

/** The parsed values of deliveryPolicyEnv. */
export type DeliveryPolicyEnv = { [K in keyof typeof deliveryPolicyEnv]: z.output<(typeof deliveryPolicyEnv)[K]> };

/** Builds the delivery policy from an app's parsed env (whose schema spreads deliveryPolicyEnv). */
export function policyFromEnv(e: DeliveryPolicyEnv): DeliveryPolicy {
  return {
    retry: {
      schedule: e.ORDERBUS_RETRY_SCHEDULE,
      jitter: e.ORDERBUS_RETRY_JITTER,
      clientErrorSchedule: e.ORDERBUS_CLIENT_ERROR_RETRY_SCHEDULE,
      maxRetryAfterMs: e.ORDERBUS_MAX_RETRY_AFTER_MS,
      attemptTimeoutMs: e.ORDERBUS_DELIVERY_TIMEOUT_MS,
      connectTimeoutMs: e.ORDERBUS_CONNECT_TIMEOUT_MS,
      maxResponseBytes: e.ORDERBUS_MAX_RESPONSE_BYTES,
    },
    health: {
      windowSize: e.ORDERBUS_HEALTH_WINDOW_SIZE,
      degradedBelowSuccessRate: e.ORDERBUS_HEALTH_DEGRADED_BELOW,
      failingBelowSuccessRate: e.ORDERBUS_HEALTH_FAILING_BELOW,
      failingAfterConsecutiveFailures: e.ORDERBUS_HEALTH_FAILING_AFTER_FAILURES,
      autoDisableAfterConsecutiveFailures: e.ORDERBUS_AUTO_DISABLE_AFTER_FAILURES,
      autoDisableAfterFailingForMs: e.ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS,
      alertThrottleMs: e.ORDERBUS_ALERT_THROTTLE_MS,
    },
    backlog: {
      maxWhileAutoDisabled: e.ORDERBUS_BACKLOG_MAX_WHILE_AUTO_DISABLED,
      maxAgeWhileAutoDisabledMs: e.ORDERBUS_BACKLOG_MAX_AGE_MS,
    },
    retention: {
      attemptsPerEvent: e.ORDERBUS_ATTEMPTS_PER_EVENT,
      recentAttemptsPerSubscription: e.ORDERBUS_RECENT_ATTEMPTS_PER_SUBSCRIPTION,
      attemptHistoryTtlMs: e.ORDERBUS_ATTEMPT_HISTORY_TTL_MS,
      completedJobsTtlMs: e.ORDERBUS_COMPLETED_JOBS_TTL_MS,
      attemptSnippetChars: e.ORDERBUS_ATTEMPT_SNIPPET_CHARS,
      pullableEventsTtlMs: e.ORDERBUS_THIN_EVENTS_TTL_MS,
    },
  };
}
