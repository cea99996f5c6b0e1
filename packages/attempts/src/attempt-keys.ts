import { subscriptionQueueName } from '@orderbus/queues';

/**
 * Redis keys of a subscription's attempt history. They carry the
 * subscription's hash tag (`<prefix>:{sub.<baseCode>}:...`, the tag of its
 * BullMQ queue), so one subscription's history and queue share a Redis
 * Cluster slot and the recording script may touch them together.
 */
export function attemptKeys(prefix: string, baseCode: string) {
  const base = `${prefix}:${subscriptionQueueName(baseCode)}:attempts`;
  return {
    /** LIST of the subscription's recent attempts, newest first (LTRIM-capped). */
    recent: `${base}:recent`,
    /** STRING counter numbering the subscription's attempts (the `seq` of each record). */
    seq: `${base}:seq`,
    /** ZSET of the subscription's period hashes: each period's start, scored by when it expires. */
    periods: `${base}:periods`,
    /**
     * HASH of the events' attempts in one period (see AttemptPeriods), named
     * by its start: eventId → that event's attempts in the period, oldest
     * first, one JSON record per line (capped).
     */
    eventsInPeriod: (startMs: number) => `${base}:events:${startMs}`,
    /**
     * LIST of one event's attempts, oldest first, as versions before the
     * period hashes stored them; still read, never written. They expire by
     * themselves within the TTL of the version that wrote them.
     */
    event: (eventId: string) => `${base}:event:${eventId}`,
  };
}
