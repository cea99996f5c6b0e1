/**
 * The BullMQ queue of a subscription. The name is a Redis Cluster hash tag
 * (`{sub.<baseCode>}`), so every key of one subscription's queue lives in one
 * slot while different subscriptions spread over the cluster.
 */
export function subscriptionQueueName(baseCode: string): string {
  return `{sub.${baseCode}}`;
}

/** The inverse of subscriptionQueueName, or undefined for queues that are not ours. */
export function baseCodeOfQueue(queueName: string): string | undefined {
  const match = /^\{sub\.([A-Za-z0-9_-]+)\}$/.exec(queueName);
  return match?.[1];
}

/**
 * The BullMQ job id of an event in a subscription queue. BullMQ refuses custom
 * ids that are all digits or contain `:`; the `e-` prefix keeps any valid
 * eventId usable, and one id per event makes a repeated fan-out a no-op.
 */
export function deliveryJobId(eventId: string): string {
  return `e-${eventId}`;
}
