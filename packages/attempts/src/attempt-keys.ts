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
    /** LIST of one event's attempts at this subscription, oldest first (capped). */
    event: (eventId: string) => `${base}:event:${eventId}`,
  };
}
