import type { Cluster, Redis } from 'ioredis';
import { OrderbusError } from '@orderbus/core';

/** One acting call of the admin API, as the audit log keeps it. */
export interface AuditEntry {
  /** The stream entry id; also the cursor of `GET /v1/audit?after=`. */
  id: string;
  /** When the call ended (ISO 8601). */
  at: string;
  /** The name of the admin token that made the call. */
  actor: string;
  role: string;
  method: string;
  /** The path without the query string, e.g. `/v1/subscriptions/ACME/enable`. */
  path: string;
  /** The subscription the call was about, when the path names one. */
  baseCode?: string;
  /** The HTTP status answered. */
  status: number;
  /** The error code answered, when the call failed. */
  errorCode?: string;
  requestId: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** The Redis key of the audit log: a stream, capped at `maxEntries`. */
export function auditKey(prefix: string): string {
  return `${prefix}:audit`;
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * The audit log of the admin API in a Redis stream: appended to by the audit
 * middleware, read newest first. Capped with `XADD MAXLEN` (exact: one
 * trimmed entry per call costs nothing) so it never grows; the oldest go first.
 */
export class AuditLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix: string,
    private readonly maxEntries: number,
  ) {
    this.key = auditKey(prefix);
  }

  async record(entry: NewAuditEntry): Promise<string> {
    const id = await this.redis.xadd(this.key, 'MAXLEN', String(this.maxEntries), '*', 'entry', JSON.stringify(entry));
    return id ?? '';
  }

  /** Entries newest first; `after` is the id of the last entry of the previous page. */
  async list(query: { limit: number; after?: string }): Promise<{ items: AuditEntry[]; next?: string }> {
    if (query.after !== undefined && !STREAM_ID.test(query.after)) {
      throw new OrderbusError('bad_request', 'after must be the id of an audit entry (as in "next"), e.g. 1700000000000-0.');
    }
    const end = query.after === undefined ? '+' : `(${query.after}`;
    // One more than asked tells whether there is a next page.
    const rows = (await this.redis.xrevrange(this.key, end, '-', 'COUNT', query.limit + 1)) as Array<[string, string[]]>;
    const items = rows.slice(0, query.limit).map(([id, fields]) => ({ id, ...(JSON.parse(fieldValue(fields, 'entry')) as NewAuditEntry) }));
    const last = items[items.length - 1];
    return rows.length > query.limit && last ? { items, next: last.id } : { items };
  }
}

function fieldValue(fields: string[], name: string): string {
  const index = fields.indexOf(name);
  return index >= 0 && index % 2 === 0 ? (fields[index + 1] ?? '{}') : '{}';
}
