const DAY_MS = 24 * 3600 * 1000;

/**
 * The periods an attempt history keeps events' attempts in: one Redis hash
 * per subscription and period (eventId → that event's attempts in the
 * period), expiring as a whole `ttlMs` after the period ends. A day, or the
 * TTL when it is shorter; so an attempt is kept at least the TTL and at most
 * one period longer.
 *
 * Why not one list per event, each renewed on every attempt: that was one
 * Redis key and one PEXPIRE per delivery kept for days, the largest share of
 * what orderbus adds to Redis's keyspace and AOF; every AOF rewrite walks
 * those keys. A period's hash gets its expiry once.
 *
 * Readers (the admin app) do not know the worker's TTL, so not its periods:
 * the subscription's period index (`attemptKeys(...).periods`) lists them.
 */
export class AttemptPeriods {
  /** Length of a period, ms. */
  readonly lengthMs: number;

  constructor(private readonly ttlMs: number) {
    this.lengthMs = Math.max(1, Math.min(DAY_MS, ttlMs));
  }

  /** The start (epoch ms) of the period holding time `atMs`: it names the period's key. */
  startOf(atMs: number): number {
    return Math.floor(atMs / this.lengthMs) * this.lengthMs;
  }

  /** When the period starting at `startMs` expires (epoch ms). */
  expiryOf(startMs: number): number {
    return startMs + this.lengthMs + this.ttlMs;
  }
}
