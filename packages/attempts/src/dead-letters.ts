import { Job } from 'bullmq';
import { OrderbusError, eventFamilyOf, eventTypeOf, isDomainEvent } from '@orderbus/core';
import { resultClassOfMessage } from '@orderbus/delivery';
import { deliveryJobId, wakeChannel, type DeliveryJobData, type SubscriptionQueueHandles } from '@orderbus/queues';
import { READ_FAILED_PAGE } from './lua/attempt-scripts';

/** An event that used up its schedule, or failed for good, at one subscription. */
export interface DeadLetter {
  eventId: string;
  /** Work-order events; `""` for events of other families. */
  changeId: string;
  dataArea: string;
  /** `workorder`, `customer`, `org`... */
  family?: string;
  /** The catalogue name (`order.created`) or the domain event type (`add`). */
  type?: string;
  orderKey?: string;
  /** When it became a dead letter (ISO 8601). */
  failedAt: string;
  /** Attempts made (since the last replay). */
  attempts: number;
  lastError: string;
  /** Result class of the last attempt (`http_5xx`, `timeout`, ...). */
  resultClass?: string;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  next?: string;
}

/** Failed jobs replayed per round trip by replayAll. */
const REPLAY_BATCH = 200;

/**
 * A subscription's dead letters: the jobs in its queue's failed set
 * (`removeOnFail: false` keeps them there with their attempt history).
 * Listed newest first, replayed (same event id, attempts from 1 again, the
 * dispatcher woken) or discarded.
 */
export class DeadLetters {
  constructor(private readonly queues: SubscriptionQueueHandles) {}

  /** A page of dead letters, newest failure first; `after` is the `next` of the previous page. */
  async list(baseCode: string, page: { limit: number; after?: string }): Promise<DeadLetterPage> {
    const queue = this.queues.of(baseCode);
    const cursor = parseCursor(page.after);
    const raw = (await this.queues.redis.eval(READ_FAILED_PAGE, 1, queue.keys.failed!, cursor?.jobId ?? '', String(cursor?.score ?? 0), String(page.limit + 1))) as string[];
    const entries: Array<{ jobId: string; score: number }> = [];
    for (let i = 0; i + 1 < raw.length; i += 2) entries.push({ jobId: raw[i]!, score: Number(raw[i + 1]) });
    const shown = entries.slice(0, page.limit);
    const jobs = await Promise.all(shown.map((e) => Job.fromId<DeliveryJobData>(queue, e.jobId)));
    const items = shown.flatMap((entry, index) => {
      const job = jobs[index];
      return job ? [deadLetterOf(job, entry.score)] : [];
    });
    const last = shown[shown.length - 1];
    return entries.length > page.limit && last ? { items, next: `${last.score}:${last.jobId}` } : { items };
  }

  /**
   * Puts a dead letter back in the queue with the same event id and its
   * attempt count reset, and wakes the dispatcher. Returns false, changing
   * nothing, when the event is not a dead letter (already replayed, waiting,
   * delivered): replaying twice is safe. 404 when the queue never had it.
   */
  async replay(baseCode: string, eventId: string): Promise<boolean> {
    const queue = this.queues.of(baseCode);
    const job = await Job.fromId<DeliveryJobData>(queue, deliveryJobId(eventId));
    if (!job) throw new OrderbusError('not_found', `Subscription "${baseCode}" has no event "${eventId}".`);
    if (!(await this.retry(job))) return false;
    await this.queues.redis.publish(wakeChannel(this.queues.prefix), baseCode);
    return true;
  }

  /** Replays every dead letter (or those that failed at or after `since`, epoch ms); returns how many. */
  async replayAll(baseCode: string, since?: number): Promise<number> {
    const queue = this.queues.of(baseCode);
    let replayed = 0;
    // The failed set shrinks as jobs are replayed: read from the start each round; bounded by the set's size.
    const total = await this.queues.redis.zcard(queue.keys.failed!);
    for (let seen = 0; seen < total; seen += REPLAY_BATCH) {
      const ids = await this.queues.redis.zrangebyscore(queue.keys.failed!, since ?? '-inf', '+inf', 'LIMIT', 0, REPLAY_BATCH);
      if (ids.length === 0) break;
      const jobs = await Promise.all(ids.map((id) => Job.fromId<DeliveryJobData>(queue, id)));
      const results = await Promise.all(jobs.map((job) => (job ? this.retry(job) : false)));
      const moved = results.filter(Boolean).length;
      replayed += moved;
      if (moved === 0) break;
    }
    if (replayed > 0) await this.queues.redis.publish(wakeChannel(this.queues.prefix), baseCode);
    return replayed;
  }

  /** Removes a dead letter for good. 404 when absent; 409 when the event is not a dead letter. */
  async discard(baseCode: string, eventId: string): Promise<void> {
    const queue = this.queues.of(baseCode);
    const job = await Job.fromId<DeliveryJobData>(queue, deliveryJobId(eventId));
    if (!job) throw new OrderbusError('not_found', `Subscription "${baseCode}" has no event "${eventId}".`);
    const state = await job.getState();
    if (state !== 'failed') throw new OrderbusError('state_conflict', `Event "${eventId}" is ${state} at "${baseCode}", not a dead letter.`, { state });
    await job.remove();
  }

  /** Moves a failed job back to wait with its attempts reset; false when it is not (or no longer) failed. */
  private async retry(job: Job<DeliveryJobData>): Promise<boolean> {
    if ((await job.getState()) !== 'failed') return false;
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    } catch (err) {
      // Someone else replayed it in between: not ours to report as an error.
      if ((await job.getState()) !== 'failed') return false;
      throw err;
    }
  }
}

function deadLetterOf(job: Job<DeliveryJobData>, score: number): DeadLetter {
  const event = job.data.event;
  const resultClass = resultClassOfMessage(job.failedReason);
  return {
    eventId: event.eventId,
    changeId: isDomainEvent(event) ? '' : String(event.changeId),
    dataArea: isDomainEvent(event) ? '' : event.dataArea,
    ...(isDomainEvent(event) ? { family: eventFamilyOf(event), type: eventTypeOf(event) } : {}),
    ...(event.orderKey !== undefined ? { orderKey: event.orderKey } : {}),
    failedAt: new Date(job.finishedOn ?? score).toISOString(),
    attempts: job.attemptsMade,
    lastError: job.failedReason ?? '',
    ...(resultClass ? { resultClass } : {}),
  };
}

function parseCursor(after: string | undefined): { score: number; jobId: string } | undefined {
  const match = after ? /^(\d+):(.+)$/.exec(after) : null;
  return match ? { score: Number(match[1]), jobId: match[2]! } : undefined;
}
