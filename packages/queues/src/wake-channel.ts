/**
 * The pub/sub channel on which the producer announces which subscription
 * queues just received jobs. Workers wake those queues at once instead of
 * polling; a slow sweep covers missed messages.
 */
export function wakeChannel(prefix: string): string {
  return `${prefix}:wake`;
}

/** One queue named in a wake-up message, and how many jobs it got when the sender knows. */
export interface WakeUp {
  baseCode: string;
  /** Jobs queued for it; absent when the sender does not count them (the worker then claims until the queue is empty). */
  jobs?: number;
}

/**
 * A wake-up message: entries joined by ",", each `baseCode:jobs` or a bare
 * `baseCode` (a baseCode never holds ":" or ","). Knowing the count lets a
 * worker claim exactly that many jobs and skip the claim that would come back empty.
 */
export function wakeMessage(jobsPerBaseCode: ReadonlyMap<string, number>): string {
  return [...jobsPerBaseCode].map(([baseCode, jobs]) => `${baseCode}:${jobs}`).join(',');
}

/** The queues a wake-up message names (either form of entry). */
export function readWakeMessage(message: string): WakeUp[] {
  const wakeUps: WakeUp[] = [];
  for (const entry of message.split(',')) {
    const colon = entry.lastIndexOf(':');
    const jobs = colon > 0 ? Number(entry.slice(colon + 1)) : Number.NaN;
    if (Number.isSafeInteger(jobs) && jobs > 0) wakeUps.push({ baseCode: entry.slice(0, colon), jobs });
    else if (entry !== '') wakeUps.push({ baseCode: colon > 0 ? entry.slice(0, colon) : entry });
  }
  return wakeUps;
}
