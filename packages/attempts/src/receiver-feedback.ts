import type { Cluster, Redis } from 'ioredis';
import { ValidationError, type ValidationProblem } from '@orderbus/core';
import { subscriptionQueueName } from '@orderbus/queues';

/**
 * What a receiver reports when it accepted a delivery but failed to process
 * it later (seed 000's error feedback topic: `add_error` with status, code,
 * msg and the failed items).
 */
export interface ReceiverErrorReport {
  /** The receiver's error code (`CUSTOMER_ADD_ERROR`). */
  status: string;
  /** A numeric code; the seed's default is 400. */
  code: number;
  /** What went wrong, for people. */
  msg: string;
  /** The items that failed (customerList entries...). */
  items?: unknown[];
}

/** A stored report. */
export interface FeedbackRecord extends ReceiverErrorReport {
  /** When orderbus received it (ISO 8601). */
  at: string;
  baseCode: string;
  eventId: string;
  family: string;
  type: string;
  /** The items were cut to stay within the size kept per report. */
  itemsTruncated?: boolean;
}

/** JSON Schema of `POST /v1/events/:eventId/errors` (also in the OpenAPI document). */
export const RECEIVER_ERROR_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'msg'],
  properties: {
    status: { type: 'string', minLength: 1, maxLength: 100, description: 'The receiver\'s error code, e.g. CUSTOMER_ADD_ERROR' },
    code: { type: 'integer', minimum: 0, maximum: 999999, description: 'A numeric code (default 400, as in seed 000)' },
    msg: { type: 'string', minLength: 1, maxLength: 2000, description: 'What went wrong' },
    items: { type: 'array', maxItems: 100, items: { type: ['object', 'string', 'number'] }, description: 'The items that failed' },
  },
} as const;

/**
 * Checks a report against RECEIVER_ERROR_SCHEMA (by hand: the schema is
 * small) and throws a ValidationError listing every problem.
 */
export function parseReceiverErrorReport(body: unknown): ReceiverErrorReport {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ path: '', code: 'type', message: 'the report must be a JSON object {status, code?, msg, items?}' }], 'The error report is not valid.');
  }
  const report = body as Record<string, unknown>;
  const problems: ValidationProblem[] = [];
  const fields = RECEIVER_ERROR_SCHEMA.properties;
  for (const key of Object.keys(report)) {
    if (!Object.hasOwn(fields, key)) problems.push({ path: `/${key}`, code: 'unknown_field', message: `${key} is not a field of an error report (status, code, msg, items)` });
  }
  const text = (key: 'status' | 'msg', max: number) => {
    const value = report[key];
    if (value === undefined) problems.push({ path: `/${key}`, code: 'required', message: `${key} is required` });
    else if (typeof value !== 'string' || value.length === 0 || value.length > max) problems.push({ path: `/${key}`, code: 'type', message: `${key} must be a string of 1 to ${max} characters` });
  };
  text('status', fields.status.maxLength);
  text('msg', fields.msg.maxLength);
  const code = report.code;
  if (code !== undefined && (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > fields.code.maximum)) {
    problems.push({ path: '/code', code: 'type', message: `code must be an integer from 0 to ${fields.code.maximum}` });
  }
  const items = report.items;
  if (items !== undefined) {
    if (!Array.isArray(items) || items.length > fields.items.maxItems) problems.push({ path: '/items', code: 'type', message: `items must be an array of at most ${fields.items.maxItems} items` });
    else items.forEach((item, i) => {
      if (item === null || (typeof item !== 'object' && typeof item !== 'string' && typeof item !== 'number')) problems.push({ path: `/items/${i}`, code: 'type', message: `items[${i}] must be an object, a string or a number` });
    });
  }
  if (problems.length > 0) throw new ValidationError(problems, 'The error report is not valid.');
  return report as unknown as ReceiverErrorReport;
}

export interface FeedbackLimits {
  /** Reports kept per (subscription, event), newest first. */
  perEvent: number;
  /** Reports kept in a subscription's recent list. */
  recentPerSubscription: number;
  /** Both expire this long (ms) after the last report. */
  ttlMs: number;
  /** The items of a report are cut beyond this many characters of JSON. */
  maxItemsChars: number;
}

export const DEFAULT_FEEDBACK_LIMITS: FeedbackLimits = Object.freeze({
  perEvent: 20,
  recentPerSubscription: 200,
  ttlMs: 7 * 24 * 3600 * 1000,
  maxItemsChars: 16_384,
});

/**
 * Receivers' error reports in Redis, bounded: the last `perEvent` per
 * (subscription, event) and the last `recentPerSubscription` per
 * subscription, on the subscription's hash tag (one MULTI writes both).
 */
export class ReceiverFeedback {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix: string,
    private readonly limits: FeedbackLimits = DEFAULT_FEEDBACK_LIMITS,
  ) {}

  async record(record: FeedbackRecord): Promise<FeedbackRecord> {
    const kept = this.bounded(record);
    const json = JSON.stringify(kept);
    const keys = this.keys(record.baseCode);
    const eventKey = keys.event(record.eventId);
    await this.redis
      .multi()
      .lpush(eventKey, json)
      .ltrim(eventKey, 0, this.limits.perEvent - 1)
      .pexpire(eventKey, this.limits.ttlMs)
      .lpush(keys.recent, json)
      .ltrim(keys.recent, 0, this.limits.recentPerSubscription - 1)
      .pexpire(keys.recent, this.limits.ttlMs)
      .exec();
    return kept;
  }

  /** One event's reports from a subscription, newest first. */
  async ofEvent(baseCode: string, eventId: string): Promise<FeedbackRecord[]> {
    return this.read(this.keys(baseCode).event(eventId), -1);
  }

  /** A subscription's recent reports, newest first. */
  async recent(baseCode: string, limit: number): Promise<FeedbackRecord[]> {
    return this.read(this.keys(baseCode).recent, limit - 1);
  }

  private async read(key: string, stop: number): Promise<FeedbackRecord[]> {
    return (await this.redis.lrange(key, 0, stop)).map((json) => JSON.parse(json) as FeedbackRecord);
  }

  private bounded(record: FeedbackRecord): FeedbackRecord {
    if (!record.items || JSON.stringify(record.items).length <= this.limits.maxItemsChars) return record;
    const items: unknown[] = [];
    let size = 2;
    for (const item of record.items) {
      size += JSON.stringify(item).length + 1;
      if (size > this.limits.maxItemsChars) break;
      items.push(item);
    }
    return { ...record, items, itemsTruncated: true };
  }

  private keys(baseCode: string) {
    const base = `${this.prefix}:${subscriptionQueueName(baseCode)}:feedback`;
    return { recent: `${base}:recent`, event: (eventId: string) => `${base}:event:${eventId}` };
  }
}
