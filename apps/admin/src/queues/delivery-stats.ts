import type { SubscriptionQueues } from './subscription-queues';

/** One minute of deliveries over every subscription (or one). */
export interface DeliveryMinute {
  /** Start of the minute (ISO 8601). */
  at: string;
  /** Events delivered in this minute. */
  delivered: number;
  /** Events that became dead letters in this minute. */
  deadLettered: number;
  /** Accepted-to-delivered time of the events delivered in this minute (retries included). */
  p50Ms?: number;
  p99Ms?: number;
  /** Duration of the successful attempt. */
  attemptP50Ms?: number;
}

export interface DeliveryStats {
  since: string;
  minutes: number;
  buckets: DeliveryMinute[];
  totals: { delivered: number; deadLettered: number; waiting: number; active: number; delayed: number; deadLetters: number };
  /** True when a queue had more finished jobs in the window than are read (the counts are then lower bounds). */
  sampled: boolean;
}

/** Finished jobs read per queue and window: bounds the cost of one call. */
const MAX_JOBS_PER_QUEUE = 2000;

/**
 * Throughput and latency of the last minutes, from the queues themselves:
 * BullMQ scores its completed and failed sets by finish time, and a job
 * keeps when it was created, last started and finished. Reading Redis rather
 * than one process's counters covers every worker process at once.
 */
export async function deliveryStats(queues: SubscriptionQueues, baseCodes: readonly string[], minutes: number, now = Date.now()): Promise<DeliveryStats> {
  const firstMinute = Math.floor(now / 60_000) - (minutes - 1);
  const since = firstMinute * 60_000;
  const minuteOf = (ms: number): number => Math.floor(ms / 60_000) - firstMinute;
  const delivered: number[][] = Array.from({ length: minutes }, () => []);
  const attempt: number[][] = Array.from({ length: minutes }, () => []);
  const deadLettered = new Array<number>(minutes).fill(0);
  const totals = { delivered: 0, deadLettered: 0, waiting: 0, active: 0, delayed: 0, deadLetters: 0 };
  let sampled = false;

  await Promise.all(
    baseCodes.map(async (baseCode) => {
      const queue = queues.of(baseCode);
      const client = queues.redis;
      // One pipeline per queue: a queue's keys share a hash tag, so this also holds on Redis Cluster.
      const finished = await client
        .multi()
        .zrevrangebyscore(queue.keys.completed!, '+inf', String(since), 'LIMIT', 0, MAX_JOBS_PER_QUEUE)
        .zrevrangebyscore(queue.keys.failed!, '+inf', String(since), 'WITHSCORES', 'LIMIT', 0, MAX_JOBS_PER_QUEUE)
        .exec();
      const completedIds = (finished?.[0]?.[1] as string[] | undefined) ?? [];
      const failed = (finished?.[1]?.[1] as string[] | undefined) ?? [];
      if (completedIds.length >= MAX_JOBS_PER_QUEUE || failed.length >= MAX_JOBS_PER_QUEUE * 2) sampled = true;
      for (let i = 1; i < failed.length; i += 2) {
        const index = minuteOf(Number(failed[i]));
        if (index >= 0 && index < minutes) deadLettered[index]! += 1;
      }
      if (completedIds.length > 0) {
        const pipeline = client.pipeline();
        for (const id of completedIds) pipeline.hmget(queue.toKey(id), 'timestamp', 'processedOn', 'finishedOn');
        for (const [err, fields] of (await pipeline.exec()) ?? []) {
          if (err) continue;
          const [created, started, finishedOn] = (fields as Array<string | null>).map(Number);
          if (!finishedOn) continue;
          const index = minuteOf(finishedOn);
          if (index < 0 || index >= minutes) continue;
          delivered[index]!.push(created ? finishedOn - created : 0);
          if (started) attempt[index]!.push(finishedOn - started);
        }
      }
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      totals.waiting += (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      totals.active += counts.active ?? 0;
      totals.delayed += counts.delayed ?? 0;
      totals.deadLetters += counts.failed ?? 0;
    }),
  );

  const buckets = delivered.map((latencies, index): DeliveryMinute => {
    const bucket: DeliveryMinute = { at: new Date(since + index * 60_000).toISOString(), delivered: latencies.length, deadLettered: deadLettered[index]! };
    if (latencies.length > 0) {
      bucket.p50Ms = quantile(latencies, 0.5);
      bucket.p99Ms = quantile(latencies, 0.99);
    }
    const durations = attempt[index]!;
    if (durations.length > 0) bucket.attemptP50Ms = quantile(durations, 0.5);
    totals.delivered += bucket.delivered;
    totals.deadLettered += bucket.deadLettered;
    return bucket;
  });
  return { since: new Date(since).toISOString(), minutes, buckets, totals, sampled };
}

/** The q-quantile (nearest rank) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
