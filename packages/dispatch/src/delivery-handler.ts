import type { Job } from 'bullmq';
import type { DeliveryJobData } from '@orderbus/queues';
import type { Subscription } from '@orderbus/registry';

export type DeliveryJob = Job<DeliveryJobData>;

/** What the dispatcher knows when it hands a job over. */
export interface DeliveryContext {
  subscription: Subscription;
  /** 1 for the first attempt. */
  attempt: number;
}

/** What happened on one attempt, for the attempt history and health. */
export interface AttemptDetails {
  /** Epoch ms when the attempt started. */
  startedAt: number;
  durationMs: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Stable class of the result: `ok`, `http_5xx`, `timeout`, `connection_refused`, ... */
  resultClass: string;
  /** A line for humans (and the alert e-mail). */
  message: string;
  /** The first bytes of the response body. */
  responseSnippet?: string;
}

/**
 * How one attempt ended. `final` stops the retries (the event becomes a dead
 * letter); `retryAfterMs` asks for a later retry than the policy's schedule;
 * `disableSubscription` reports that the receiver is gone for good (410).
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; attempt: AttemptDetails }
  | { kind: 'failed'; attempt: AttemptDetails; error: Error; final?: boolean; retryAfterMs?: number; disableSubscription?: boolean };

/** One finished attempt, as the dispatcher reports it to its observers. */
export interface AttemptReport {
  subscription: Subscription;
  job: DeliveryJob;
  /** 1 for the first attempt. */
  attemptNumber: number;
  outcome: DeliveryOutcome;
  /** The event used up its attempts (or failed for good) and is now a dead letter. */
  deadLettered: boolean;
  /** Epoch ms of the next retry, when one is scheduled. */
  nextRetryAt?: number;
}

/**
 * Learns of every finished attempt: the attempt history, health tracking,
 * alerting, ordering. Called after the job's state is written; an observer's
 * failure is logged and never affects the delivery.
 */
export interface AttemptObserver {
  onAttempt(report: AttemptReport): Promise<void> | void;
  /** The dispatcher is closing: write what is held back to share a write now, and later records without waiting. */
  flush?(): void;
}

/** Delivers one job. Resolves with the outcome; it throws only on a bug. */
export interface DeliveryHandler {
  deliver(job: DeliveryJob, context: DeliveryContext): Promise<DeliveryOutcome>;
}

/**
 * The error BullMQ records on a failed attempt. The queue's backoff strategy
 * reads `retryAfterMs` from it (429/503 Retry-After).
 */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}
