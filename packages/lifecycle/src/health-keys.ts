import { subscriptionQueueName } from '@orderbus/queues';

/**
 * Redis keys of a subscription's health. They carry the subscription queue's
 * hash tag, so on Redis Cluster they live in the queue's slot and one Lua
 * script can update them together.
 */
export function healthKeys(prefix: string, baseCode: string) {
  const base = `${prefix}:${subscriptionQueueName(baseCode)}`;
  return {
    summary: `${base}:health`,
    window: `${base}:health:window`,
    recentFailures: `${base}:health:failures`,
    minute: (epochMinute: number) => `${base}:health:m:${epochMinute}`,
    alertThrottle: `${base}:health:alerted`,
    statusHistory: `${base}:status-history`,
  };
}
