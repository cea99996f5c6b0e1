import type { JobsOptions } from 'bullmq';
import type { OrderbusEvent } from '@orderbus/core';

/** The data of one delivery job: the event (a work-order event, or one of another family), as it is delivered to one subscription. */
export interface DeliveryJobData {
  event: OrderbusEvent;
}

/**
 * The backoff type of delivery jobs: a custom BullMQ strategy the worker
 * builds from the delivery policy (schedule, jitter, Retry-After) and gives
 * every subscription queue (`deliveryBackoffStrategy` in @orderbus/delivery).
 */
export const DELIVERY_BACKOFF_TYPE = 'orderbus-policy';

/**
 * A cap on attempts that the delivery policy never reaches: the worker's
 * handler ends the retries (`final`) when the policy's schedule is used up,
 * so the policy, not the job, decides how often an event is tried.
 */
export const DELIVERY_ATTEMPTS_CAP = 1000;

/** Retry and retention settings of delivery jobs. */
export interface DeliveryJobPolicy {
  /** Attempts in all, the first included: a cap (DELIVERY_ATTEMPTS_CAP), the delivery policy stops earlier. */
  attempts: number;
  /**
   * Base delay (ms) of BullMQ's builtin exponential backoff instead of the
   * policy's custom one: for tests that drive a Dispatcher without the
   * worker's backoff strategy. Unset in production.
   */
  backoffMs?: number;
  /** Completed jobs are kept this long (seconds) so a re-run fan-out is still deduplicated by job id. */
  keepCompletedSeconds: number;
  /** ...and at most this many per subscription. */
  keepCompletedCount: number;
  /** Dead letters (failed jobs) kept per subscription, the newest; unset or 0: all, until replayed or discarded. */
  keepFailedCount?: number;
}

export const DEFAULT_DELIVERY_JOB_POLICY: DeliveryJobPolicy = {
  attempts: DELIVERY_ATTEMPTS_CAP,
  // = DEFAULT_DELIVERY_POLICY.retention.completedJobsTtlMs (1 h) of @orderbus/delivery, which queues does not depend on.
  keepCompletedSeconds: 3600,
  keepCompletedCount: 10_000,
};

export function deliveryJobOptions(policy: DeliveryJobPolicy): JobsOptions {
  return {
    attempts: policy.attempts,
    backoff: policy.backoffMs !== undefined ? { type: 'exponential', delay: policy.backoffMs } : { type: DELIVERY_BACKOFF_TYPE },
    removeOnComplete: { age: policy.keepCompletedSeconds, count: policy.keepCompletedCount },
    // Failed jobs are the dead letters: kept until replayed or discarded (or beyond the cap, the oldest dropped).
    removeOnFail: policy.keepFailedCount ? { count: policy.keepFailedCount } : false,
  };
}
