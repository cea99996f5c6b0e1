import type { DedupStore } from './dedup-store';

/** How long an event id is remembered by default: a week, longer than orderbus's whole retry schedule. */
export const DEFAULT_DEDUP_TTL_MS = 7 * 24 * 3600 * 1000;

export interface DeduplicateOptions {
  store: DedupStore;
  /** How long an id is remembered after it was handled (default 7 days). */
  ttlMs?: number;
}

/** What `deduplicate` did: ran the handler, or skipped it because the id was handled before. */
export type DedupOutcome<T> = { duplicate: false; result: T } | { duplicate: true };

/**
 * Runs `handler` once per event id: claims the id in the store first (so a
 * concurrent delivery of the same id is skipped), and forgets it again when
 * the handler throws (so orderbus's retry is handled, not skipped).
 */
export async function deduplicate<T>(id: string, handler: () => T | Promise<T>, options: DeduplicateOptions): Promise<DedupOutcome<T>> {
  const claimed = await options.store.remember(id, options.ttlMs ?? DEFAULT_DEDUP_TTL_MS);
  if (!claimed) return { duplicate: true };
  try {
    return { duplicate: false, result: await handler() };
  } catch (err) {
    await options.store.forget(id);
    throw err;
  }
}

/**
 * Wraps an `onEvent` handler (of `orderbusReceiver`, or any
 * `(delivery) => ...`) so it runs once per `eventId`; a duplicate returns
 * without calling it, which the middleware answers with success.
 */
export function withDedup<D extends { eventId: string }, R extends unknown[]>(
  options: DeduplicateOptions,
  handler: (delivery: D, ...rest: R) => void | Promise<void>,
): (delivery: D, ...rest: R) => Promise<void> {
  return async (delivery, ...rest) => {
    await deduplicate(delivery.eventId, () => handler(delivery, ...rest), options);
  };
}
