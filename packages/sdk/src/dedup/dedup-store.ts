/**
 * Where a receiver remembers the event ids it has handled, so a delivery
 * orderbus makes again (a retry after a lost answer, a replay, a job
 * recovered from a crashed worker) is recognised. Delivery is at-least-once;
 * deduplicating by event id makes the processing exactly-once.
 */
export interface DedupStore {
  /** Whether `id` is remembered (and not expired). */
  seen(id: string): Promise<boolean>;
  /**
   * Remembers `id` for `ttlMs` unless it is remembered already; resolves true
   * when it was not (this caller claimed it), false when it was. Atomic, so
   * two concurrent deliveries of one id cannot both claim it (`SET NX PX`).
   */
  remember(id: string, ttlMs: number): Promise<boolean>;
  /** Forgets `id`, so its next delivery is handled (the handler failed). */
  forget(id: string): Promise<void>;
}
