import { Job, Queue, QueueKeys, type IRedisTransaction, type JobJson, type JobsOptions, type KeysMap, type RedisQueueBackend } from 'bullmq';
import type { RedisClient } from './redis-connection';
import type { DeliveryJobData } from './delivery-job';

/** One event's delivery jobs: the same job in the queue of each subscription. */
export interface DeliveryJobSet {
  /** The job name (the change type's name). */
  name: string;
  jobId: string;
  data: DeliveryJobData;
  opts: JobsOptions;
  queueNames: readonly string[];
}

/**
 * Adds delivery jobs to a MULTI of the caller's with BullMQ's own add-job
 * script, so the jobs are exactly those `Queue.add` writes.
 *
 * Why not FlowProducer.addBulk: it builds a queue backend, a key map and a
 * JSON copy of the event for every (event, subscription) pair and awaits each
 * one; with 10 subscriptions that was most of the producer's CPU. Here an
 * event is serialised once for all its subscriptions and each queue's key map
 * is built once and kept.
 */
export class DeliveryJobWriter {
  /** A handle that only lends BullMQ's job serialisation and script runner; it never reads or writes its own queue. */
  private readonly template: Queue;
  private readonly queueKeys: QueueKeys;
  private readonly keysByQueue = new Map<string, KeysMap>();

  constructor(redis: RedisClient, prefix: string) {
    // skipMetasUpdate: the template is no queue of ours and must leave no key (`<prefix>:delivery-job-writer:meta`) behind.
    this.template = new Queue('delivery-job-writer', { connection: redis, prefix, skipMetasUpdate: true });
    this.queueKeys = new QueueKeys(prefix);
  }

  /** Resolves once BullMQ's scripts are loaded on the connection (needed before `add`). */
  async ready(): Promise<void> {
    await this.template.waitUntilReady();
  }

  /** A MULTI on the shared connection (as BullMQ wraps it, so its scripts run by name), to pass to `add` and then exec. */
  async transaction(): Promise<IRedisTransaction> {
    return (await this.backend().client).multi();
  }

  /**
   * Queues the jobs of `set` on `transaction` (one command per queue, in
   * `queueNames` order). Each reply of the EXEC is the job id, or an error.
   */
  async add(transaction: IRedisTransaction, set: DeliveryJobSet): Promise<void> {
    const backend = this.backend();
    const jobData: JobJson = new Job(this.template, set.name, set.data, set.opts, set.jobId).asJSON();
    // Each add is put on the MULTI synchronously; awaiting only surfaces an error in building it.
    await Promise.all(
      set.queueNames.map((queueName) =>
        backend.addJobToTransaction(transaction, jobData, set.jobId, {}, this.keysOf(queueName)),
      ),
    );
  }

  async close(): Promise<void> {
    await this.template.close();
  }

  private backend(): RedisQueueBackend {
    return this.template.getBackend() as RedisQueueBackend;
  }

  private keysOf(queueName: string): KeysMap {
    let keys = this.keysByQueue.get(queueName);
    if (!keys) {
      keys = this.queueKeys.getKeys(queueName);
      this.keysByQueue.set(queueName, keys);
    }
    return keys;
  }
}
