import type { AttemptReport } from '@orderbus/dispatch';

/** One delivery attempt as the history keeps it and the admin API shows it. */
export interface AttemptRecord {
  /** Numbers a subscription's attempts, increasing; the page cursor of the recent list. */
  seq: number;
  eventId: string;
  /** 1 for the first attempt (restarts at 1 after a replay). */
  attemptNumber: number;
  /** When the attempt started (ISO 8601). */
  at: string;
  durationMs: number;
  outcome: 'delivered' | 'failed';
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** Stable class: `ok`, `http_5xx`, `timeout`, ... (RESULT_CLASSES in @orderbus/delivery). */
  resultClass: string;
  message: string;
  /** The first characters of the response body. */
  responseSnippet?: string;
  /** When the next attempt is due (ISO 8601), when one is scheduled. */
  nextRetryAt?: string;
  /** This attempt made the event a dead letter. */
  deadLettered: boolean;
  /** The receiver said it is gone for good (410). */
  disableSubscription?: boolean;
}

/** The record of a finished attempt, without its `seq` (given when it is stored). */
export function attemptRecordOf(report: AttemptReport, snippetChars: number): Omit<AttemptRecord, 'seq'> {
  const { outcome } = report;
  const details = outcome.attempt;
  const snippet = details.responseSnippet?.slice(0, snippetChars);
  return {
    eventId: report.job.data.event.eventId,
    attemptNumber: report.attemptNumber,
    at: new Date(details.startedAt).toISOString(),
    durationMs: Math.round(details.durationMs),
    outcome: outcome.kind,
    ...(details.status !== undefined ? { status: details.status } : {}),
    resultClass: details.resultClass,
    message: details.message,
    ...(snippet ? { responseSnippet: snippet } : {}),
    ...(report.nextRetryAt !== undefined ? { nextRetryAt: new Date(report.nextRetryAt).toISOString() } : {}),
    deadLettered: report.deadLettered,
    ...(outcome.kind === 'failed' && outcome.disableSubscription ? { disableSubscription: true } : {}),
  };
}
