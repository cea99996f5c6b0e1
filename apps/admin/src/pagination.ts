import { OrderbusError } from '@orderbus/core';

export interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

/** Reads `limit` (1..500, default 100) and `after` (a cursor) from a query string. */
export function pageQuery(query: Record<string, unknown>): { limit: number; after?: string } {
  const raw = query.limit;
  let limit = DEFAULT_LIMIT;
  if (raw !== undefined) {
    limit = Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new OrderbusError('bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}.`);
    }
  }
  const after = typeof query.after === 'string' && query.after.length > 0 ? query.after : undefined;
  return after ? { limit, after } : { limit };
}

/** Pages a list sorted by `key`, using the last key of a page as the cursor. */
export function paginate<T>(sorted: readonly T[], key: (item: T) => string, query: { limit: number; after?: string }): Page<T> {
  const start = query.after === undefined ? 0 : sorted.findIndex((item) => key(item) > query.after!);
  const from = start === -1 ? sorted.length : start;
  const items = sorted.slice(from, from + query.limit);
  const hasMore = from + query.limit < sorted.length;
  return hasMore && items.length > 0 ? { items, next: key(items[items.length - 1]!) } : { items };
}
