import type { ResultClass } from '../result-class';

/** Where in a delivery an error happened. */
export type DeliveryStage = 'preparation' | 'attempt' | 'response';

export interface DeliveryErrorOptions {
  /** No retry: the event becomes a dead letter at once. */
  final?: boolean;
  /** The receiver asked to wait this long (Retry-After, already capped by the policy). */
  retryAfterMs?: number;
  /** The receiver is gone for good (410): the subscription should be disabled. */
  disableSubscription?: boolean;
  /** HTTP status, when an answer arrived. */
  status?: number;
  cause?: unknown;
}

/**
 * A failed delivery, typed by the stage it failed in. The message starts
 * with the result class (`http_5xx: callback answered 500`) because it
 * becomes the job's failedReason, from which the backoff strategy and the
 * dead-letter listing read the class back; `detail` is the part for humans.
 */
export abstract class DeliveryError extends Error {
  abstract readonly stage: DeliveryStage;
  readonly final: boolean;
  readonly retryAfterMs: number | undefined;
  readonly disableSubscription: boolean;
  readonly status: number | undefined;

  constructor(
    readonly resultClass: ResultClass,
    readonly detail: string,
    options: DeliveryErrorOptions = {},
  ) {
    super(`${resultClass}: ${detail}`, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.final = options.final ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.disableSubscription = options.disableSubscription ?? false;
    this.status = options.status;
  }
}

export function isDeliveryError(err: unknown): err is DeliveryError {
  return err instanceof DeliveryError;
}
