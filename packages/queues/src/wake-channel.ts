/**
 * The pub/sub channel on which the producer announces which subscription
 * queues just received jobs (message: baseCodes joined by ","). Workers wake
 * those queues at once instead of polling; a slow sweep covers missed messages.
 */
export function wakeChannel(prefix: string): string {
  return `${prefix}:wake`;
}
