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
