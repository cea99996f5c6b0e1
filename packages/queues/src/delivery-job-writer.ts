import { Job, Queue, QueueKeys, type IRedisTransaction, type JobJson, type JobsOptions, type KeysMap, type RedisQueueBackend } from 'bullmq';
import type { RedisClient } from './redis-connection';
import type { DeliveryJobData } from './delivery-job';
import { RedisOutOfStepError } from './redis-out-of-step-error';
import { APPEND_TO_LINES } from './lua/append-to-lines';
import { FIRST_IN_LINE_JSON } from './order-lines';

/** One event's delivery job, to go into the queue of each of its subscriptions. */
export interface DeliveryJobSet {
  /** The job name (the change type's name). */
  name: string;
  jobId: string;
  data: DeliveryJobData;
  opts: JobsOptions;
  queueNames: readonly string[];
  /** Queue name -> the work order's line in that queue, for the queues whose subscription keeps orders in line. */
  lines?: ReadonlyMap<string, string>;
}

/** A DeliveryJobSet serialised once, ready to be added to any number of queues. */
export interface PreparedDeliveryJob {
  readonly jobId: string;
  readonly queueNames: readonly string[];
  readonly json: JobJson;
  readonly lines?: ReadonlyMap<string, string>;
}

/** One MULTI of delivery jobs: add to it, then `commit`. */
export interface DeliveryJobTransaction {
  add(job: PreparedDeliveryJob, queueNames?: readonly string[]): Promise<void>;
  /** EXEC; throws the first error among the replies, or RedisOutOfStepError when the replies are not the job ids added. */
  commit(): Promise<void>;
}

/**
 * Adds delivery jobs to a MULTI with BullMQ's own add-job script, so the job
 * hash, the wait list and the events stream are those `Queue.add` writes.
 * (BullMQ's option check, `validateOptions`, is skipped: the options are
 * orderbus's fixed ones, and event ids cannot hold the `:` it guards against.)
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
    // Without a listener BullMQ prints every connection error to stderr; the app logs Redis errors itself.
    this.template.on('error', () => undefined);
    this.queueKeys = new QueueKeys(prefix);
  }

  /** Serialises the job once (BullMQ's JSON form of it). */
  prepare(set: DeliveryJobSet): PreparedDeliveryJob {
    const json = new Job(this.template, set.name, set.data, set.opts, set.jobId).asJSON();
    return { jobId: set.jobId, queueNames: set.queueNames, json, ...(set.lines ? { lines: set.lines } : {}) };
  }

  /** A MULTI on the shared connection, as BullMQ wraps it (so its scripts run by name). */
  async transaction(): Promise<DeliveryJobTransaction> {
    const backend = this.template.getBackend() as RedisQueueBackend;
    const multi: IRedisTransaction = (await backend.client).multi();
    // Per add of the MULTI, the reply it must give: the job id.
    const expected: string[] = [];
    // The lines to append the jobs to, in the order the jobs were added, and the jobs' hashes (for the first-in-line mark).
    const lineKeys: string[] = [];
    const lineJobKeys: string[] = [];
    const lineJobIds: string[] = [];
    return {
      add: async (job, queueNames = job.queueNames) => {
        // Each add is put on the MULTI synchronously, its expected reply with it; awaiting only surfaces an error in building it.
        const added = queueNames.map((queueName) => {
          expected.push(job.jobId);
          const add = backend.addJobToTransaction(multi, job.json, job.jobId, {}, this.keysOf(queueName));
          const line = job.lines?.get(queueName);
          if (line !== undefined) {
            lineKeys.push(line);
            lineJobKeys.push(this.queueKeys.toKey(queueName, job.jobId));
            lineJobIds.push(job.jobId);
          }
          return add;
        });
        await Promise.all(added);
      },
      commit: async () => {
        // In the same MULTI as the adds: a line's order is the order the jobs were accepted, whoever claims them.
        // EVAL, not EVALSHA: a NOSCRIPT inside the MULTI would fail the lines after the jobs were added.
        if (lineKeys.length > 0) multi.runCommand('eval', [APPEND_TO_LINES, lineKeys.length * 2, ...lineKeys, ...lineJobKeys, ...lineJobIds, FIRST_IN_LINE_JSON]);
        const replies = await multi.exec();
        const commands = expected.length + (lineKeys.length > 0 ? 1 : 0);
        if (!replies || replies.length !== commands) {
          throw new RedisOutOfStepError(`EXEC answered ${replies ? `${replies.length} replies` : 'nil'} for ${commands} commands`);
        }
        replies.forEach(([err, reply], index) => {
          if (err) throw err;
          if (index >= expected.length) {
            if (reply !== lineKeys.length) throw new RedisOutOfStepError(`EXEC answered ${JSON.stringify(reply)} where ${lineKeys.length} line appends were expected`);
            return;
          }
          // The add-job script answers the job id (also when the job already exists).
          if (reply !== expected[index]) throw new RedisOutOfStepError(`EXEC answered ${JSON.stringify(reply)} where job ${expected[index]} was added`);
        });
      },
    };
  }

  async close(): Promise<void> {
    await this.template.close();
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
