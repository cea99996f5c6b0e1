/**
 * Idempotency records are spread over this many Redis Cluster hash tags
 * (`{idem.<bucket>}`): an ingest claims its events with one script per bucket
 * it touches, so a batch costs at most this many scripts on a cluster, and
 * the records still spread over every node. Part of the key layout: changing
 * it moves every record, so retries of requests from before the change would
 * no longer be recognised.
 */
export const IDEMPOTENCY_BUCKETS = 64;

/** The bucket of an eventId: FNV-1a of its UTF-16 code units, modulo IDEMPOTENCY_BUCKETS. */
export function idempotencyBucket(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    hash ^= eventId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % IDEMPOTENCY_BUCKETS;
}

/**
 * The idempotency record of an eventId: `<prefix>:{idem.<bucket>}:<eventId>`.
 * Only the first `{...}` of a key is its hash tag, so whatever the eventId
 * holds, the record lives in its bucket's slot.
 */
export function idempotencyKey(prefix: string, eventId: string): string {
  return `${prefix}:{idem.${idempotencyBucket(eventId)}}:${eventId}`;
}
