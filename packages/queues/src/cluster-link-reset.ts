import type { Cluster } from 'ioredis';
import { isRedisUnavailable } from '@orderbus/core';

/** Least time between two resets of one client's links, so failures during the reconnect do not start another. */
export const CLUSTER_LINK_RESET_COOLDOWN_MS = 5000;

const lastReset = new WeakMap<Cluster, number>();

/**
 * After an operation failed on a Redis Cluster for want of a working link
 * (timed out, connection closed, replies out of step; not a reply error,
 * which proves its link answers in step), drops every node link of `cluster`
 * so ioredis rebuilds them from a fresh slot map. At most once per
 * CLUSTER_LINK_RESET_COOLDOWN_MS, and not while the client is reconnecting
 * anyway. Returns whether it reset.
 *
 * Why: ioredis 5 can leave a node link expecting replies to commands it never
 * wrote. While a slot's master is down (its link gone from the pool), a MULTI
 * for that slot goes to another node and is retried after the MOVED: part of
 * its commands enter that node's link and the pipeline's buffered write is
 * never flushed. The link then hands each reply to the command before it:
 * one command at a time, every later one times out (the producer answered
 * 503 for good after the master was back); under concurrency, a command could
 * get another's reply. Which link is off is not visible from outside, so all
 * are replaced; the requests in flight at that moment get a 503 and retry.
 */
export function resetClusterLinksAfter(cluster: Cluster, err: unknown, now: number = Date.now()): boolean {
  const linkFailure = err instanceof Error && err.name !== 'ReplyError' && isRedisUnavailable(err);
  if (!linkFailure || cluster.status !== 'ready') return false;
  const last = lastReset.get(cluster);
  if (last !== undefined && now - last < CLUSTER_LINK_RESET_COOLDOWN_MS) return false;
  lastReset.set(cluster, now);
  for (const node of cluster.nodes('all')) node.disconnect();
  return true;
}
