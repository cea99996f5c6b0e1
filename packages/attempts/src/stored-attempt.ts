import type { AttemptRecord } from './attempt-record';

/**
 * An attempt record as the history stores it: short keys, the start time in
 * epoch ms, and what follows from the rest left out (a delivered attempt's
 * message when it is the usual `callback answered <status>`, `deadLettered`
 * when false). Every attempt is stored twice (the subscription's recent
 * list and its event's field of a period hash) and kept for days, so its size is most of
 * what orderbus adds to Redis's memory and AOF per delivery: about 200
 * bytes a copy instead of 330 for a delivered attempt with a response snippet.
 *
 * The recording script prepends `"seq":<n>` to the stored JSON; records
 * stored before this form existed (the full AttemptRecord as JSON) still read.
 */
interface StoredAttempt {
  seq: number;
  /** eventId */
  e: string;
  /** attemptNumber */
  n: number;
  /** at, epoch ms */
  t: number;
  /** durationMs */
  d: number;
  /** outcome: 1 delivered, 0 failed */
  o: 0 | 1;
  /** status */
  s?: number;
  /** resultClass */
  c: string;
  /** message, absent when it is `callback answered <status>` on a delivered attempt */
  m?: string;
  /** responseSnippet */
  r?: string;
  /** nextRetryAt, epoch ms */
  x?: number;
  /** deadLettered, absent when false */
  l?: 1;
  /** disableSubscription */
  g?: 1;
}

/** The message a delivered attempt gets unless a receiver's answer said more (HttpDeliveryHandler). */
function usualDeliveredMessage(status: number | undefined): string {
  return `callback answered ${status}`;
}

/** The JSON to store for an attempt (without `seq`: the recording script numbers it). */
export function storedAttemptJson(record: Omit<AttemptRecord, 'seq'>): string {
  const delivered = record.outcome === 'delivered';
  const stored: Omit<StoredAttempt, 'seq'> = {
    e: record.eventId,
    n: record.attemptNumber,
    t: Date.parse(record.at),
    d: record.durationMs,
    o: delivered ? 1 : 0,
    ...(record.status !== undefined ? { s: record.status } : {}),
    c: record.resultClass,
    ...(delivered && record.message === usualDeliveredMessage(record.status) ? {} : { m: record.message }),
    ...(record.responseSnippet !== undefined ? { r: record.responseSnippet } : {}),
    ...(record.nextRetryAt !== undefined ? { x: Date.parse(record.nextRetryAt) } : {}),
    ...(record.deadLettered ? { l: 1 as const } : {}),
    ...(record.disableSubscription ? { g: 1 as const } : {}),
  };
  return JSON.stringify(stored);
}

/** Reads a stored attempt back into the record the API shows, in either stored form. */
export function readStoredAttempt(json: string): AttemptRecord {
  const parsed = JSON.parse(json) as StoredAttempt | AttemptRecord;
  if ('eventId' in parsed) return parsed;
  const delivered = parsed.o === 1;
  return {
    seq: parsed.seq,
    eventId: parsed.e,
    attemptNumber: parsed.n,
    at: new Date(parsed.t).toISOString(),
    durationMs: parsed.d,
    outcome: delivered ? 'delivered' : 'failed',
    ...(parsed.s !== undefined ? { status: parsed.s } : {}),
    resultClass: parsed.c,
    message: parsed.m ?? (delivered ? usualDeliveredMessage(parsed.s) : ''),
    ...(parsed.r !== undefined ? { responseSnippet: parsed.r } : {}),
    ...(parsed.x !== undefined ? { nextRetryAt: new Date(parsed.x).toISOString() } : {}),
    deadLettered: parsed.l === 1,
    ...(parsed.g === 1 ? { disableSubscription: true } : {}),
  };
}
