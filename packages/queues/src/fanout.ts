import type { JobsOptions } from 'bullmq';
import { OrderbusError, changeType, type WorkOrderEvent } from '@orderbus/core';
import { CLAIM_EVENTS, CONFIRM_EVENTS, RELEASE_EVENTS } from './lua/claim-events';
import { deliveryJobOptions, type DeliveryJobPolicy } from './delivery-job';
import { DeliveryJobWriter, type DeliveryJobSet, type PreparedDeliveryJob } from './delivery-job-writer';
import { idempotencyBucket, idempotencyKey } from './idempotency-keys';
import { LuaScript } from './lua-script';
import { deliveryJobId, subscriptionQueueName } from './queue-names';
import { orderLineKey } from './order-lines';
import { resetClusterLinksAfter } from './cluster-link-reset';
import { isCluster, type RedisClient } from './redis-connection';
import { wakeChannel, wakeMessage } from './wake-channel';
import { splitIntoTransactions } from './transaction-split';

const claimEvents = new LuaScript(CLAIM_EVENTS);

/** One validated event and the subscriptions it goes to. */
export interface FanoutItem {
  event: WorkOrderEvent;
  fingerprint: string;
  baseCodes: readonly string[];
  /**
   * The baseCodes (among `baseCodes`) whose subscription keeps each work
   * order's events in line: the job is appended to its order's line in the
   * same MULTI that queues it. Absent: none.
   */
  orderedBaseCodes?: readonly string[];
}

/** What became of one event of an ingest. */
export interface FanoutResult {
  eventId: string;
  /** true when this eventId was accepted before with the same payload: nothing new was queued. */
  duplicate: boolean;
  /** How many subscription queues hold the event. */
  queuedFor: number;
}

export interface FanoutOptions {
  prefix: string;
  /** How long an eventId is remembered for deduplication (seconds). */
  idempotencyTtlSeconds: number;
  jobPolicy: DeliveryJobPolicy;
}

/**
 * Writes accepted events into the queue of every matching subscription.
 *
 * 1. Claim every eventId of the request (Lua): a conflict (same id, other
 *    payload) rejects the whole request before any job is written.
 * 2. Add one job per (event, subscription), job id `e-<eventId>`.
 * 3. Confirm the claims. A crash between 1 and 3 leaves a "pending" claim; the
 *    producer's retry with the same eventId fans out again, and the job ids
 *    (one per event) make that a no-op where the jobs already exist.
 *
 * Single node (or Sentinel): step 1 is one script and step 2 MULTI/EXEC
 * (DeliveryJobWriter): no client sees an event in some of its queues only.
 * (Redis does not roll back a command that fails inside EXEC; such a failure
 * fails the request, and its retry completes the rest.)
 * A request is written in transactions of about JOBS_PER_TRANSACTION jobs
 * (`splitIntoTransactions`: consecutive whole events, in request order),
 * each sent once the one before has succeeded: no single EXEC holds Redis
 * (and the workers' claims behind it) for long, and a failure leaves only
 * a first part of the request queued, never a later event without an
 * earlier one. The request then fails (503) and its retry completes it, as
 * on a cluster. (A command failing inside an EXEC does not undo the others:
 * the jobs added before it stay, and the retry puts them in line.)
 *
 * Redis Cluster: a script or a MULTI must stay within one slot. Step 1 runs
 * one script per idempotency bucket; when any reports a conflict (or fails),
 * the claims the others made are released and the request is rejected. Step 2
 * runs one MULTI per subscription queue (each queue is one slot), so each
 * subscription gets all of the request's events or none; if some queues are
 * written and others not, the request fails (503), its claims stay pending,
 * and the producer's retry completes the missing queues while the job ids
 * keep the written ones from getting duplicates. See docs/scaling.md.
 */
export class Fanout {
  private readonly writer: DeliveryJobWriter;
  private readonly jobOptions: JobsOptions;
  private readonly cluster: boolean;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: FanoutOptions,
  ) {
    this.writer = new DeliveryJobWriter(redis, options.prefix);
    this.jobOptions = deliveryJobOptions(options.jobPolicy);
    this.cluster = isCluster(redis);
  }

  async publish(items: readonly FanoutItem[]): Promise<FanoutResult[]> {
    try {
      return await this.publishOnce(items);
    } catch (err) {
      // A failure on a cluster may have left a node link out of step with its replies: rebuild them (see resetClusterLinksAfter).
      if (isCluster(this.redis)) resetClusterLinksAfter(this.redis, err);
      throw err;
    }
  }

  private async publishOnce(items: readonly FanoutItem[]): Promise<FanoutResult[]> {
    if (items.length === 0) return [];
    const claims = await this.claim(items);

    const toWrite = items.filter((_, index) => !claims[index]!.startsWith('done:'));
    await this.writeJobs(toWrite.map((item) => this.jobsOf(item)));
    if (toWrite.length > 0) await this.confirm(toWrite);

    return items.map((item, index) => {
      const claim = claims[index]!;
      if (claim.startsWith('done:')) return { eventId: item.event.eventId, duplicate: true, queuedFor: Number(claim.slice(5)) };
      return { eventId: item.event.eventId, duplicate: false, queuedFor: item.baseCodes.length };
    });
  }

  async close(): Promise<void> {
    await this.writer.close();
  }

  /**
   * Claims every eventId; returns one claim per item ("new", "pending",
   * "done:<n>"). Throws `event_conflict` when any eventId is known with
   * another payload, leaving no claim of this request behind.
   */
  private async claim(items: readonly FanoutItem[]): Promise<string[]> {
    const groups = this.idempotencyGroups(items);
    const settled = await Promise.allSettled(
      groups.map(
        (group) =>
          claimEvents.run(
            this.redis,
            group.map((index) => this.keyOf(items[index]!)),
            [this.options.idempotencyTtlSeconds, ...group.map((index) => items[index]!.fingerprint)],
          ) as Promise<string[]>,
      ),
    );
    const claims: string[] = new Array<string>(items.length).fill('');
    // Claims written by groups that succeeded without a conflict (a group with a conflict writes nothing).
    const written: number[] = [];
    let failure: unknown;
    settled.forEach((outcome, g) => {
      const group = groups[g]!;
      if (outcome.status === 'rejected') {
        failure ??= outcome.reason;
        return;
      }
      group.forEach((itemIndex, k) => {
        claims[itemIndex] = outcome.value[k]!;
      });
      if (!outcome.value.includes('conflict')) written.push(...group.filter((_, k) => outcome.value[k] === 'new'));
    });

    const conflicts = claims.flatMap((claim, index) => (claim === 'conflict' ? [index] : []));
    if (failure === undefined && conflicts.length === 0) return claims;

    if (groups.length > 1 && written.length > 0) await this.release(items, written);
    if (failure !== undefined) throw failure;
    throw new OrderbusError('event_conflict', 'An eventId was already accepted with a different payload; nothing was queued.', {
      conflicts: conflicts.map((index) => ({ index, eventId: items[index]!.event.eventId })),
    });
  }

  /** Best effort: a claim that stays behind is only "pending", which a retry with the same payload completes. */
  private async release(items: readonly FanoutItem[], indexes: readonly number[]): Promise<void> {
    const groups = this.idempotencyGroups(indexes.map((index) => items[index]!));
    await Promise.allSettled(
      groups.map((group) => {
        const picked = group.map((k) => items[indexes[k]!]!);
        return this.redis.eval(RELEASE_EVENTS, picked.length, ...picked.map((item) => this.keyOf(item)), ...picked.map((item) => item.fingerprint));
      }),
    );
  }

  /**
   * Single node: transactions of consecutive whole events (see
   * splitIntoTransactions), each written once the one before succeeded.
   * Cluster: one MULTI per queue, all awaited before failing. Each event is
   * serialised once, whatever the number of its queues.
   */
  private async writeJobs(sets: readonly DeliveryJobSet[]): Promise<void> {
    const jobs = sets.filter((set) => set.queueNames.length > 0).map((set) => this.writer.prepare(set));
    if (jobs.length === 0) return;
    if (!this.cluster) {
      // One after the other: a later run is only written once the earlier ones are, so a failure never leaves a
      // later event of a work order queued (and in its line) without an earlier one.
      for (const run of splitIntoTransactions(jobs.map((job) => job.queueNames.length))) {
        await this.writeTransaction(run.map((index) => [jobs[index]!, jobs[index]!.queueNames] as const));
      }
      return;
    }
    const byQueue = new Map<string, Array<[PreparedDeliveryJob, readonly string[]]>>();
    for (const job of jobs) {
      for (const queueName of job.queueNames) {
        const group = byQueue.get(queueName);
        if (group) group.push([job, [queueName]]);
        else byQueue.set(queueName, [[job, [queueName]]]);
      }
    }
    const settled = await Promise.allSettled([...byQueue.values()].map((group) => this.writeTransaction(group)));
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** One MULTI/EXEC adding each job to the queues paired with it. */
  private async writeTransaction(entries: ReadonlyArray<readonly [PreparedDeliveryJob, readonly string[]]>): Promise<void> {
    const transaction = await this.writer.transaction();
    for (const [job, queueNames] of entries) await transaction.add(job, queueNames);
    await transaction.commit();
  }

  /** Marks the claims done and wakes the workers of the queues that got jobs. */
  private async confirm(toWrite: readonly FanoutItem[]): Promise<void> {
    const jobsPerBaseCode = new Map<string, number>();
    for (const item of toWrite) for (const baseCode of item.baseCodes) jobsPerBaseCode.set(baseCode, (jobsPerBaseCode.get(baseCode) ?? 0) + 1);
    const wake = jobsPerBaseCode.size > 0 ? wakeMessage(jobsPerBaseCode) : undefined;
    const confirmScript = (group: readonly FanoutItem[]): [string, number, ...(string | number)[]] => [
      CONFIRM_EVENTS,
      group.length,
      ...group.map((item) => this.keyOf(item)),
      this.options.idempotencyTtlSeconds,
      ...group.flatMap((item) => [item.fingerprint, String(item.baseCodes.length)]),
    ];
    if (!this.cluster) {
      // Two commands sent together rather than a pipeline: ioredis builds a pipeline by copying every script
      // defined on the connection (BullMQ's sixty-odd), about 24 µs, more than both commands cost to send.
      await Promise.all([this.redis.eval(...confirmScript(toWrite)), ...(wake ? [this.redis.publish(wakeChannel(this.options.prefix), wake)] : [])]);
      return;
    }
    // A cluster pipeline must stay on one node: send each bucket's script on its own.
    const groups = this.idempotencyGroups(toWrite).map((group) => group.map((index) => toWrite[index]!));
    await Promise.all([
      ...groups.map((group) => this.redis.eval(...confirmScript(group))),
      ...(wake ? [this.redis.publish(wakeChannel(this.options.prefix), wake)] : []),
    ]);
  }

  /** Item indexes grouped so that each group's idempotency records share a slot: all in one group on a single node. */
  private idempotencyGroups(items: readonly FanoutItem[]): number[][] {
    if (!this.cluster) return [items.map((_, index) => index)];
    const byBucket = new Map<number, number[]>();
    items.forEach((item, index) => {
      const bucket = idempotencyBucket(item.event.eventId);
      const group = byBucket.get(bucket);
      if (group) group.push(index);
      else byBucket.set(bucket, [index]);
    });
    return [...byBucket.values()];
  }

  private keyOf(item: FanoutItem): string {
    return idempotencyKey(this.options.prefix, item.event.eventId);
  }

  private jobsOf(item: FanoutItem): DeliveryJobSet {
    const jobId = deliveryJobId(item.event.eventId);
    const orderKey = item.event.orderKey;
    const lines =
      orderKey && item.orderedBaseCodes?.length
        ? new Map(item.orderedBaseCodes.map((baseCode) => [subscriptionQueueName(baseCode), orderLineKey(this.options.prefix, baseCode, orderKey)]))
        : undefined;
    return {
      name: changeType(item.event.changeId).name,
      jobId,
      data: { event: item.event },
      opts: { ...this.jobOptions, jobId },
      queueNames: item.baseCodes.map(subscriptionQueueName),
      ...(lines ? { lines } : {}),
    };
  }
}
