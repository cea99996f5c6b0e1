import { Job, Queue, type QueueOptions } from 'bullmq';
import { subscriptionQueueName, type DeliveryJobData, type RedisClient } from '@orderbus/queues';

/** BullMQ settings the dispatcher's claims rely on (they live on the Queue's options). */
export interface ClaimSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  backoffStrategy?: (attemptsMade: number, type?: string, err?: Error, job?: Job) => number;
}

/** A claimed job, or when the queue had none, when its next delayed job is due. */
export type Claim = { job: Job<DeliveryJobData> } | { job: undefined; nextDueAt?: number };

/**
 * One subscription's BullMQ queue, driven without a BullMQ Worker.
 *
 * A Worker opens a blocking connection of its own (BZPOPMIN on the queue's
 * marker), so one Worker per subscription means one connection per
 * subscription. Instead the dispatcher claims jobs with the queue backend's
 * non-blocking `moveToActive` (the same Lua script a Worker runs) on one
 * shared connection, and does what a Worker would do around it: lock
 * extension and stalled-job checks. Everything here uses BullMQ's
 * `IQueueBackend` interface (`queue.backend`), public in BullMQ 6.
 */
export class SubscriptionQueue {
  readonly queue: Queue<DeliveryJobData>;

  constructor(
    readonly baseCode: string,
    connection: RedisClient,
    prefix: string,
    settings: ClaimSettings,
  ) {
    // The claim scripts read these from the queue's options (a Worker passes its own).
    const options = {
      connection,
      prefix,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      settings: settings.backoffStrategy ? { backoffStrategy: settings.backoffStrategy } : undefined,
    } as QueueOptions;
    this.queue = new Queue<DeliveryJobData>(subscriptionQueueName(baseCode), options);
    this.queue.on('error', () => undefined);
  }

  /** Moves the next waiting job to active under `token` (promoting due delayed jobs first). */
  async claim(token: string): Promise<Claim> {
    return this.claimOf(await this.queue.backend.moveToActive(token), token);
  }

  /**
   * Moves a delivered job to completed. With `claimNext`, the same script
   * also claims the next waiting job under the same token, as a BullMQ
   * Worker does: one command instead of two per delivery under load. No
   * return value is stored: the job's finishedOn and attemptsMade say when
   * and after how many attempts it was delivered, and the attempt history
   * the rest.
   */
  async complete(job: Job<DeliveryJobData>, token: string, claimNext: boolean): Promise<Claim> {
    const next = await job.moveToCompleted(null, token, claimNext);
    return claimNext ? this.claimOf(next, token) : { job: undefined };
  }

  /** Reads a claim script's reply: [job data, id, rate-limit wait, next delayed job's due time]. */
  private claimOf(reply: unknown, token: string): Claim {
    const [jobData, id, , delayUntil] = (Array.isArray(reply) ? reply : []) as [unknown, string | undefined, number?, number?];
    if (jobData && id) {
      const job = Job.fromJSON<DeliveryJobData>(this.queue as never, jobData as never, id);
      job.token = token;
      return { job };
    }
    return delayUntil && delayUntil > 0 ? { job: undefined, nextDueAt: delayUntil } : { job: undefined };
  }

  /** The keys PEEK_QUEUES reads to tell, without claiming, whether the queue has jobs ready and when the next delayed one is due. */
  peekKeys(): [string, string, string] {
    const keys = this.queue.keys;
    return [keys.wait!, keys.prioritized!, keys.delayed!];
  }

  /** Reads one queue's entry of PEEK_QUEUES's reply. */
  static readPeek(entry: unknown): { ready: boolean; nextDueAt?: number } {
    if (entry === 1) return { ready: true };
    // BullMQ scores delayed jobs as timestamp * 0x1000 + a counter.
    return typeof entry === 'string' ? { ready: false, nextDueAt: Math.floor(Number(entry) / 0x1000) } : { ready: false };
  }

  /** The jobs in the queue's active list (a job removed meanwhile is left out). */
  async activeJobs(): Promise<Array<Job<DeliveryJobData>>> {
    const jobs = (await this.queue.getActive()) as Array<Job<DeliveryJobData> | undefined>;
    return jobs.filter((job): job is Job<DeliveryJobData> => job?.id !== undefined);
  }

  /** Renews the locks of jobs in flight; returns the ids whose lock was lost. */
  async extendLocks(jobIds: string[], tokens: string[], durationMs: number): Promise<string[]> {
    if (jobIds.length === 0) return [];
    return this.queue.backend.extendLocks(jobIds, tokens, durationMs);
  }

  /** Moves jobs whose worker died (lock expired) back to wait; returns their ids. */
  async recoverStalled(): Promise<string[]> {
    return this.queue.backend.moveStalledJobsToWait();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
