import { subscriptionQueueName } from './queue-names';
import { isCluster, type RedisClient } from './redis-connection';

/**
 * A work order's line in a subscription (LIST of job ids, oldest first): the
 * producer appends each job of an ordered subscription as it queues it, and
 * the worker lets a job go only when it heads its line. It carries the
 * queue's hash tag, so it lives in the queue's Cluster slot.
 */
export function orderLineKey(prefix: string, baseCode: string, orderKey: string): string {
  return `${prefix}:${subscriptionQueueName(baseCode)}:order:${orderKey}`;
}

/**
 * The mark of a job that was alone in its line when it was queued (its
 * BullMQ `progress`, a field orderbus has no other use for and BullMQ returns
 * with every claim). Such a job heads its line until it leaves it, so the
 * worker delivers it without asking the gate: one round trip less between
 * claim and POST for the usual case, an order with one pending event.
 *
 * Holds while the job is in its line: the producer sets it only when its
 * append made the line (reply 1), and whatever takes the job out of its line
 * without finishing it for good clears it — leaving as a dead letter (it can
 * be replayed) and being dropped as a stale head. A delivered job is never
 * claimed again.
 */
export const FIRST_IN_LINE = 'first-in-line';

/** The mark as stored in the job hash (BullMQ keeps `progress` as JSON). */
export const FIRST_IN_LINE_JSON = JSON.stringify(FIRST_IN_LINE);

/** Whether a claimed job carries the first-in-line mark. */
export function isFirstInLine(job: { progress?: unknown }): boolean {
  return job.progress === FIRST_IN_LINE;
}

/**
 * Deletes every order line of a subscription (when the subscription and its
 * queue are deleted: lines of jobs that were never delivered would stay
 * otherwise). Scans the node that holds the subscription's slot, or every
 * master of a cluster. Returns how many lines it deleted.
 */
export async function deleteOrderLines(redis: RedisClient, prefix: string, baseCode: string): Promise<number> {
  const pattern = orderLineKey(prefix, baseCode, '*');
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // One subscription's lines share its hash tag, so one UNLINK is within one slot.
      if (keys.length > 0) deleted += await node.unlink(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}
