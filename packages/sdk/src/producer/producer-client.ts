import { Agent, type Dispatcher } from 'undici';
import { EVENT_ID_PATTERN, newEventId, parseChangeId } from '@orderbus/core';
import type { EventInput } from '../events/event-types';
import { backoffDelay, resolveRetry, type ResolvedRetryOptions, type RetryOptions } from './backoff';
import type { EventReceipt, QueuedEvent } from './envelope';
import { ProducerClientError, UnsentEventsError, type EventRejection } from './errors';
import { MemoryEventQueue, type EventQueue } from './event-queue';
import { FileSpool, type SpoolOptions } from './file-spool';
import { postBatch, type IngestOutcome } from './ingest-request';

export interface BatchOptions {
  /** Most events per request (default 100; the bus accepts ORDERBUS_MAX_BATCH, 500 by default). */
  maxEvents?: number;
  /** How long the first event of a batch waits for more before the batch goes (default 20 ms). */
  maxWaitMs?: number;
}

/** A retry the client is about to make, for logs and metrics. */
export interface RetryNotice {
  /** Failed tries of this batch so far. */
  attempt: number;
  /** Events in the batch. */
  events: number;
  /** HTTP status, 0 for a network error or timeout. */
  status: number;
  code: string;
  message: string;
  /** Wait before the next try. */
  delayMs: number;
}

export interface ProducerClientOptions {
  /** The producer's base URL, e.g. `http://orderbus-producer:8080`. */
  url: string;
  /** A producer key (one of ORDERBUS_PRODUCER_KEYS), sent as `Authorization: Bearer`. */
  key: string;
  batch?: BatchOptions;
  retry?: RetryOptions;
  /**
   * A write-ahead spool file: every event is on disk before emit resolves and
   * is sent from there, so an outage of orderbus or a restart of this process
   * loses nothing. Without it events wait in memory (`maxBufferedEvents`).
   */
  spool?: SpoolOptions;
  /** Without a spool: most events waiting in memory before emit rejects (default 10000). */
  maxBufferedEvents?: number;
  /** orderbus refused an event for good (409, 422, other 4xx except 429, or retries exhausted). Default: a line on stderr. */
  onRejected?: (rejection: EventRejection) => void;
  /** orderbus accepted a batch. */
  onAccepted?: (receipts: EventReceipt[]) => void;
  /** A batch is about to be retried (orderbus down, 503, 429, network error). */
  onRetry?: (notice: RetryNotice) => void;
  /** How long close() keeps trying to send what waits (default 10 s). */
  closeTimeoutMs?: number;
  /** An undici dispatcher of your own (default: a keep-alive Agent of the client). */
  dispatcher?: Dispatcher;
}

/** What the client holds right now. */
export interface ProducerClientStats {
  /** Events taken and not yet answered by orderbus. */
  pending: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  retries: number;
  /** The last retryable failure, while the current batch is retrying. */
  lastError?: { status: number; code: string; message: string; at: string };
}

export interface ProducerClient {
  /**
   * Takes an event for orderbus and resolves with its eventId (assigned now,
   * a UUIDv7, unless given; every retry sends the same one) once the event is
   * queued — in the spool file when there is one. It does not wait for
   * orderbus: events are batched and sent in the background, in emit order.
   * Rejects with SpoolFullError or BufferFullError when the client cannot take
   * more, never dropping an event silently.
   */
  emit(event: EventInput): Promise<string>;
  /** Resolves once orderbus has answered every event emitted before the call (rejects after `timeoutMs`, if given). */
  flush(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Sends what waits (for up to closeTimeoutMs) and stops. With a spool,
   * events still unsent stay in the file for the next client; without one,
   * close rejects with UnsentEventsError carrying them.
   */
  close(): Promise<void>;
  stats(): ProducerClientStats;
}

const defaultOnRejected = (r: EventRejection): void => {
  process.stderr.write(`orderbus rejected event ${r.event.eventId} (${r.status} ${r.code}): ${r.message}\n`);
};

/** Creates a client that sends work-order events to orderbus's producer API. */
export function createProducerClient(options: ProducerClientOptions): ProducerClient {
  return new BatchingProducerClient(options);
}

class BatchingProducerClient implements ProducerClient {
  private readonly url: string;
  private readonly key: string;
  private readonly maxEvents: number;
  private readonly maxWaitMs: number;
  private readonly retry: ResolvedRetryOptions;
  private readonly queue: EventQueue;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly onRejected: (r: EventRejection) => void;
  private readonly closeTimeoutMs: number;

  /** Events taken since start (spooled ones found at start count as taken). */
  private taken: number;
  /** Events answered since start. */
  private answered = 0;
  private readonly counters = { accepted: 0, duplicates: 0, rejected: 0, retries: 0 };
  private lastError: ProducerClientStats['lastError'];
  private firstWaitingAt: number | undefined;
  private urgent = 0;
  private closing = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly waiters: Array<{ target: number; resolve: () => void; reject: (err: Error) => void }> = [];
  private readonly loop: Promise<void>;

  constructor(private readonly options: ProducerClientOptions) {
    if (!options.url) throw new TypeError('createProducerClient: url is required (the producer, e.g. http://127.0.0.1:8080)');
    if (!options.key) throw new TypeError('createProducerClient: key is required (a producer key, sent as Authorization: Bearer)');
    this.url = options.url.replace(/\/+$/, '');
    this.key = options.key;
    this.maxEvents = options.batch?.maxEvents ?? 100;
    this.maxWaitMs = options.batch?.maxWaitMs ?? 20;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new RangeError('batch.maxEvents must be a positive integer');
    if (!(this.maxWaitMs >= 0)) throw new RangeError('batch.maxWaitMs must be >= 0');
    this.retry = resolveRetry(options.retry);
    this.queue = options.spool ? new FileSpool(options.spool) : new MemoryEventQueue(options.maxBufferedEvents ?? 10_000);
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 4 });
    this.onRejected = options.onRejected ?? defaultOnRejected;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.taken = this.queue.size;
    if (this.queue.size > 0) this.firstWaitingAt = 0; // left over from a previous run: send at once
    this.loop = this.run();
  }

  async emit(event: EventInput): Promise<string> {
    if (this.closing) throw new ProducerClientError('closed', 'emit() after close(): the producer client is closed.');
    const queued = toQueuedEvent(event);
    this.queue.append(queued); // throws SpoolFullError / BufferFullError, taking nothing
    this.taken += 1;
    this.firstWaitingAt ??= Date.now();
    if (this.queue.size >= this.maxEvents) this.nudge();
    else this.scheduleWake();
    return queued.eventId;
  }

  flush(options: { timeoutMs?: number } = {}): Promise<void> {
    const target = this.taken;
    if (this.answered >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.urgent -= 1;
              const index = this.waiters.indexOf(waiter);
              if (index >= 0) this.waiters.splice(index, 1);
              reject(new ProducerClientError('flush_timeout', `flush(): orderbus has not answered ${target - this.answered} events within ${options.timeoutMs} ms.`));
            }, options.timeoutMs);
      const waiter = {
        target,
        resolve: () => {
          if (timer) clearTimeout(timer);
          this.urgent -= 1;
          resolve();
        },
        reject: (err: Error) => {
          if (timer) clearTimeout(timer);
          reject(err);
        },
      };
      this.urgent += 1;
      this.waiters.push(waiter);
      this.nudge();
    });
  }

  async close(): Promise<void> {
    if (this.closing) {
      await this.loop;
      return;
    }
    this.closing = true;
    this.urgent += 1;
    this.nudge();
    const timeout = new Promise<'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), this.closeTimeoutMs);
      timer.unref();
    });
    const drained = this.waitForAnswered(this.taken).then(() => 'drained' as const);
    await Promise.race([drained, timeout]);
    this.stopped = true;
    this.nudge();
    await this.loop;
    const unsent = this.queue instanceof MemoryEventQueue ? this.queue.all() : [];
    this.queue.close();
    if (this.ownsDispatcher) await this.dispatcher.close();
    if (unsent.length > 0) throw new UnsentEventsError(unsent);
  }

  stats(): ProducerClientStats {
    return { pending: this.queue.size, ...this.counters, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  private waitForAnswered(target: number): Promise<void> {
    if (this.answered >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve, reject: () => resolve() }));
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private wakeTimer: NodeJS.Timeout | undefined;

  private scheduleWake(): void {
    if (this.wakeTimer || this.firstWaitingAt === undefined) return;
    const due = Math.max(0, this.firstWaitingAt + this.maxWaitMs - Date.now());
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.nudge();
    }, due);
  }

  /** Sleeps until nudged or `ms` passed. */
  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(() => this.nudge(), ms);
    });
  }

  private ready(): boolean {
    if (this.queue.size === 0) return false;
    if (this.urgent > 0 || this.queue.size >= this.maxEvents) return true;
    return this.firstWaitingAt !== undefined && Date.now() >= this.firstWaitingAt + this.maxWaitMs;
  }

  /** The one sender: batches from the head of the queue, one request at a time, so orderbus sees emit order. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.ready()) {
        if (this.queue.size > 0) this.scheduleWake();
        await this.pause();
        continue;
      }
      const batch = this.queue.peek(this.maxEvents);
      const sent = await this.deliver(batch);
      if (!sent) break; // stopped while retrying: the batch stays queued
      this.queue.ack(batch.length);
      this.answered += batch.length;
      this.firstWaitingAt = this.queue.size > 0 ? Date.now() : undefined;
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const waiter = this.waiters[i]!;
        if (this.answered >= waiter.target) {
          this.waiters.splice(i, 1);
          waiter.resolve();
        }
      }
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    // Stopped by close() with events unanswered: a flush() still waiting will not see them sent.
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new ProducerClientError('closed', `the producer client was closed with ${this.queue.size} events not yet answered by orderbus.`));
    }
  }

  /**
   * Sends `events` until orderbus has answered each of them: accepted, or
   * rejected for good (reported). Returns false when the client stopped first.
   */
  private async deliver(events: QueuedEvent[]): Promise<boolean> {
    let attempt = 0;
    for (;;) {
      if (this.stopped) return false;
      const outcome = await postBatch(this.url, this.key, events, { timeoutMs: this.retry.requestTimeoutMs, dispatcher: this.dispatcher });
      switch (outcome.kind) {
        case 'accepted':
          this.lastError = undefined;
          this.accepted(outcome.receipts);
          return true;
        case 'too_large': {
          if (events.length === 1) {
            this.reject(events[0]!, outcome);
            return true;
          }
          const half = Math.ceil(events.length / 2);
          return (await this.deliver(events.slice(0, half))) && this.deliver(events.slice(half));
        }
        case 'rejected': {
          const faulty = [...outcome.byIndex.keys()].filter((i) => i < events.length);
          if (faulty.length === 0 || faulty.length === events.length) {
            // The whole request was refused (401, 403, 400...), or every event is at fault.
            events.forEach((event, i) => this.reject(event, outcome, outcome.byIndex.get(i)));
            return true;
          }
          // Drop the events at fault, send the others again (a batch is all or nothing at orderbus).
          faulty.forEach((i) => this.reject(events[i]!, outcome, outcome.byIndex.get(i)));
          return this.deliver(events.filter((_e, i) => !outcome.byIndex.has(i)));
        }
        case 'retry': {
          attempt += 1;
          this.lastError = { status: outcome.status, code: outcome.code, message: outcome.message, at: new Date().toISOString() };
          if (attempt >= this.retry.maxAttempts) {
            events.forEach((event) => this.reject(event, { ...outcome, code: 'retries_exhausted', message: `gave up after ${attempt} tries: ${outcome.message}` }));
            return true;
          }
          const delayMs = backoffDelay(this.retry, attempt, outcome.retryAfterMs);
          this.counters.retries += 1;
          this.options.onRetry?.({ attempt, events: events.length, status: outcome.status, code: outcome.code, message: outcome.message, delayMs });
          await this.sleepUnlessStopped(delayMs);
          break;
        }
      }
    }
  }

  /** Waits out a backoff; close() does not cut it short until its own timeout, then stops the client. */
  private async sleepUnlessStopped(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped && Date.now() < until) await this.pause(until - Date.now());
  }

  private accepted(receipts: EventReceipt[]): void {
    for (const receipt of receipts) {
      if (receipt.duplicate) this.counters.duplicates += 1;
      else this.counters.accepted += 1;
    }
    this.options.onAccepted?.(receipts);
  }

  private reject(event: QueuedEvent, outcome: { status: number; code: string; message: string }, problems?: EventRejection['problems']): void {
    this.counters.rejected += 1;
    try {
      this.onRejected({ event, status: outcome.status, code: outcome.code, message: outcome.message, ...(problems ? { problems } : {}) });
    } catch {
      // A throwing callback must not stop the sender.
    }
  }
}

const EVENT_ID = new RegExp(EVENT_ID_PATTERN);

/** Checks what the types cannot (for JavaScript callers) and fixes the eventId. */
function toQueuedEvent(event: EventInput): QueuedEvent {
  const changeId = parseChangeId(event?.changeId);
  if (changeId === undefined) throw new ProducerClientError('invalid_event', `emit(): changeId must be 1..10, got ${JSON.stringify(event?.changeId)}.`);
  if (typeof event.dataArea !== 'string' || event.dataArea.length === 0) throw new ProducerClientError('invalid_event', 'emit(): dataArea must be a non-empty string.');
  if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) throw new ProducerClientError('invalid_event', 'emit(): data must be an object.');
  const eventId = event.eventId ?? newEventId();
  if (!EVENT_ID.test(eventId)) throw new ProducerClientError('invalid_event', `emit(): eventId ${JSON.stringify(eventId)} must match ${EVENT_ID_PATTERN}.`);
  const occurredAt = event.occurredAt instanceof Date ? event.occurredAt.toISOString() : event.occurredAt;
  return {
    eventId,
    dataArea: event.dataArea,
    changeId: String(changeId),
    data: event.data as unknown as Record<string, unknown>,
    ...(occurredAt !== undefined ? { occurredAt } : {}),
  };
}
