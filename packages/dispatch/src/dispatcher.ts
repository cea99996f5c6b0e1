import { randomBytes } from 'node:crypto';
import { Job, UnrecoverableError } from 'bullmq';
import type { Logger } from '@orderbus/observability';
import { keepsOrder, registryKeys, type RegistrySnapshot, type Subscription, type SubscriptionCache } from '@orderbus/registry';
import { duplicateConnection, isCluster, isFirstInLine, LuaScript, readWakeMessage, wakeChannel, type DeliveryJobData, type RedisClient } from '@orderbus/queues';
import { DeliveryFailure, type AttemptObserver, type AttemptReport, type DeliveryHandler, type DeliveryOutcome } from './delivery-handler';
import { SubscriptionQueue, type Claim, type ClaimSettings } from './subscription-queue';
import { OrderGate, type GateVerdict } from './order-gate';
import { WorkerMembership } from './worker-membership';
import { PEEK_QUEUES } from './lua/peek-queues';

export interface DispatcherOptions extends ClaimSettings {
  /** The one command connection every subscription queue shares (worker role: waits out outages). */
  connection: RedisClient;
  prefix: string;
  subscriptions: SubscriptionCache;
  handler: DeliveryHandler;
  /** Deliveries in flight per subscription: a slow or failing subscription holds at most this many. */
  concurrencyPerSubscription: number;
  /** Deliveries in flight in this process, over all subscriptions. */
  maxInFlight: number;
  /** Fallback check for work and registry changes, in case a wake-up message was missed. */
  sweepIntervalMs: number;
  /** How long close() waits for in-flight deliveries before leaving them to stalled recovery. */
  drainTimeoutMs: number;
  logger: Logger;
  /** Told of every finished attempt, all at once (attempt history, health, alerts...): an observer must not rely on another's record. */
  observers?: AttemptObserver[];
  onServedChange?: (count: number) => void;
  /** How often this worker says it is alive; the subscriptions are shared among live workers. */
  heartbeatIntervalMs: number;
  /** A worker silent for this long is taken for dead; its subscriptions move to the others. */
  workerTtlMs: number;
  /**
   * A job waiting behind an earlier event of its work order is parked for at
   * most this long before it looks again (the earlier one's completion wakes it
   * at once; this only bounds a wait after a crash).
   */
  maxParkMs: number;
}

/** A claim, and for a job of a work order, its gate entry (none when the job was queued first in its line). */
interface ClaimInLine {
  claim: Claim;
  orderKey?: string;
  verdict?: Promise<GateVerdict>;
}

/** The dispatcher's state for one served subscription. */
interface Served {
  queue: SubscriptionQueue;
  /** jobId -> lock token of deliveries in flight (their slots). */
  inFlight: Map<string, string>;
  /**
   * The locks to keep alive: in flight until the job is moved on (completed,
   * failed, put back). The bookkeeping after that still holds the slot, but
   * its job's lock is gone and must not be extended.
   */
  locks: Map<string, string>;
  /**
   * Jobs the queue is known to hold for this process to claim: the counts of
   * the wake-ups, less the jobs claimed since; Infinity when a wake-up did not
   * count (sweep, due timer, another sender), until a claim comes back empty.
   */
  claimable: number;
  /** Wake-ups seen: a claim that comes back empty clears `claimable` only if none came while it was under way. */
  wakeUps: number;
  claiming: boolean;
  retiring: boolean;
  dueTimer?: NodeJS.Timeout;
  dueAt?: number;
}

const RETRY_AFTER_REDIS_ERROR_MS = 1000;
/** On close, the least time left for the bookkeeping of finished deliveries, even when draining used up the deadline. */
const BOOKKEEPING_GRACE_MS = 1000;
/**
 * Jobs a slot delivers in a row from its subscription's queue (each
 * completion claiming the next in the same script) while other
 * subscriptions wait for a slot; then it gives the slot to the one that
 * waited longest. Handing the slot over after every job would cost a claim
 * of its own per delivery whenever slots are short (many subscriptions with
 * work); never handing it over would let one backlog keep its slots.
 */
const JOBS_PER_TURN = 10;
/** Queues looked at by one sweep script on a single node: bounds how long one call keeps Redis busy. */
const QUEUES_PER_PEEK = 500;
const peekQueues = new LuaScript(PEEK_QUEUES);

/**
 * Serves every enabled subscription's queue from one process with a constant
 * number of Redis connections: one shared command connection, one pub/sub
 * connection. It learns which queues have work from the producer's wake-up
 * messages (and a slow sweep), claims jobs without blocking, runs at most
 * `concurrencyPerSubscription` deliveries per subscription and `maxInFlight`
 * in all, and keeps the locks of its jobs alive. Idle, it does nothing but
 * the sweep and the stalled-job check.
 */
export class Dispatcher {
  private readonly served = new Map<string, Served>();
  /** Subscriptions waiting for a free slot of the process-wide limit. */
  private readonly starved = new Set<string>();
  private readonly processTag = randomBytes(4).toString('hex');
  private tokenCounter = 0;
  /**
   * Slots taken, over all subscriptions: deliveries in flight, and claims
   * under way (a claim takes its slot before it is sent, so subscriptions
   * woken together cannot all see the same free slot).
   */
  private inFlightTotal = 0;
  /** Bookkeeping (order line, attempt observers) of delivered jobs still being written. */
  private readonly bookkeeping = new Set<Promise<void>>();
  private subscriber: RedisClient | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> = Promise.resolve();
  private closing = false;
  private drained: (() => void) | undefined;
  private readonly gate: OrderGate;
  private readonly membership: WorkerMembership;
  /** Live workers as of the last heartbeat, and when that set last changed. */
  private live: string[] = [];
  private liveChangedAt = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.gate = new OrderGate(options.connection, options.prefix);
    this.membership = new WorkerMembership(options.connection, options.prefix, `${process.pid}-${this.processTag}`, options.workerTtlMs);
  }

  /** This process's id among the workers. */
  get workerId(): string {
    return this.membership.workerId;
  }

  async start(): Promise<void> {
    await this.heartbeat();
    const subscriber = duplicateConnection(this.options.connection, 'orderbus-dispatcher-wake');
    this.subscriber = subscriber;
    const wake = wakeChannel(this.options.prefix);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === wake) for (const { baseCode, jobs } of readWakeMessage(message)) this.wake(baseCode, jobs);
      else this.requestSync();
    });
    subscriber.on('error', () => undefined);
    // After a reconnect, messages sent meanwhile are lost: look at every queue.
    subscriber.on('ready', () => {
      this.requestSync();
      this.wakeAll();
    });
    await subscriber.subscribe(wake, registryKeys(this.options.prefix).changed);

    const every = (ms: number, fn: () => void): void => {
      const timer = setInterval(fn, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.sweepIntervalMs, () => {
      this.requestSync();
      void this.sweep();
    });
    every(Math.max(500, Math.floor(this.options.lockDurationMs / 2)), () => void this.extendLocks());
    every(this.options.stalledIntervalMs, () => void this.recoverStalled());
    every(this.options.heartbeatIntervalMs, () => void this.heartbeat());

    this.requestSync();
    await this.syncing;
    void this.recoverStalled();
  }

  /** baseCodes whose queues this process serves. */
  servedBaseCodes(): string[] {
    return [...this.served.keys()].filter((b) => !this.served.get(b)!.retiring);
  }

  /** Deliveries in flight in this process (and claims under way, each holding the slot of the job it brings). */
  inFlight(): number {
    return this.inFlightTotal;
  }

  /**
   * Marks a subscription's queue as having work and starts claiming: `jobs`
   * more jobs when the caller counted them, else until a claim comes back empty.
   */
  wake(baseCode: string, jobs?: number): void {
    const served = this.served.get(baseCode);
    if (!served || served.retiring) return;
    served.wakeUps += 1;
    served.claimable = jobs === undefined ? Number.POSITIVE_INFINITY : served.claimable + jobs;
    void this.pump(baseCode, served);
  }

  /**
   * Stops claiming, waits up to `drainTimeoutMs` for deliveries in flight to
   * finish, and closes. A delivery still running after that keeps its job
   * active; its lock expires and another worker picks it up again.
   */
  async close(): Promise<void> {
    this.closing = true;
    // Records held back to share a write go now, and those of the deliveries still running as they end.
    for (const observer of this.options.observers ?? []) observer.flush?.();
    for (const timer of this.timers) clearInterval(timer);
    for (const served of this.served.values()) if (served.dueTimer) clearTimeout(served.dueTimer);
    await this.syncing;
    this.subscriber?.disconnect();
    await this.membership.leave().catch(() => undefined);
    const deadline = Date.now() + this.options.drainTimeoutMs;
    if (this.inFlightTotal > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.drainTimeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.bookkeeping.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      // Deliveries that ended at the deadline still get their records written.
      const wait = Math.max(BOOKKEEPING_GRACE_MS, deadline - Date.now());
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
      await Promise.race([Promise.all([...this.bookkeeping]), timeout]);
      clearTimeout(timer);
    }
    await Promise.all([...this.served.values()].map((s) => s.queue.close()));
    this.served.clear();
  }

  /** One look at every served queue: wake those with jobs ready, time those with jobs delayed. */
  private async sweep(): Promise<void> {
    const entries = [...this.served.entries()].filter(([, s]) => !s.retiring);
    if (entries.length === 0) return;
    try {
      const replies = await this.peekAll(entries.map(([, served]) => served.queue));
      entries.forEach(([baseCode, served], index) => {
        const peek = SubscriptionQueue.readPeek(replies[index]);
        if (peek.ready) this.wake(baseCode);
        else if (peek.nextDueAt !== undefined) this.scheduleDue(baseCode, served, peek.nextDueAt);
      });
    } catch (err) {
      this.options.logger.warn('sweep failed', { err: errorMessage(err) });
    }
  }

  /**
   * PEEK_QUEUES's entry for every queue: a few scripts of many queues each on a
   * single node (so an idle sweep of 1,000 subscriptions costs the worker a
   * handful of commands); one script per queue on a cluster (queues live in different slots).
   */
  private async peekAll(queues: SubscriptionQueue[]): Promise<unknown[]> {
    const connection = this.options.connection;
    const perCall = isCluster(connection) ? 1 : QUEUES_PER_PEEK;
    const calls: Array<Promise<unknown[]>> = [];
    for (let i = 0; i < queues.length; i += perCall) {
      const keys = queues.slice(i, i + perCall).flatMap((queue) => queue.peekKeys());
      calls.push(peekQueues.run(connection, keys) as Promise<unknown[]>);
    }
    return (await Promise.all(calls)).flat();
  }

  private wakeAll(): void {
    for (const baseCode of this.served.keys()) this.wake(baseCode);
  }

  private async pump(baseCode: string, served: Served): Promise<void> {
    if (served.claiming || this.closing || served.retiring) return;
    served.claiming = true;
    try {
      while (served.claimable > 0 && !this.closing && !served.retiring) {
        if (served.inFlight.size >= this.options.concurrencyPerSubscription) break;
        if (this.inFlightTotal >= this.options.maxInFlight) {
          this.starved.add(baseCode);
          break;
        }
        // It has a slot: no longer among those waiting for one (a wake-up or the sweep got here first).
        this.starved.delete(baseCode);
        const token = this.newToken();
        const wakeUps = served.wakeUps;
        // The slot of the job this claim may bring, taken before the claim goes out.
        this.inFlightTotal += 1;
        let admitted: Job<DeliveryJobData> | 'empty' | 'parked';
        try {
          admitted = await this.admit(baseCode, served, await this.claimInLine(baseCode, served.queue.claim(token)), token, wakeUps);
        } catch (err) {
          this.releaseSlot();
          throw err;
        }
        if (admitted === 'empty' || admitted === 'parked') this.releaseSlot();
        else void this.runSlot(baseCode, served, admitted, token);
      }
    } catch (err) {
      // Redis is down or stalled: try again shortly (the connection reconnects by itself).
      this.options.logger.warn('claim failed', { baseCode, err: errorMessage(err) });
      this.scheduleDue(baseCode, served, Date.now() + RETRY_AFTER_REDIS_ERROR_MS);
    } finally {
      served.claiming = false;
    }
  }

  private newToken(): string {
    return `${this.processTag}:${++this.tokenCounter}`;
  }

  /**
   * A claim and, for a job of a work order, its gate entry. The producer put
   * the job in its order's line when it queued it, so claims need no order
   * among themselves: the gate asks whether the job heads its line. (A job
   * without a place, queued before its subscription kept orders in line or
   * replayed from the dead letters, takes the last place when it is claimed.)
   */
  private async claimInLine(baseCode: string, claim: Promise<Claim>): Promise<ClaimInLine> {
    const claimed = await claim;
    const orderKey = claimed.job ? this.orderKeyOf(baseCode, claimed.job) : undefined;
    if (!claimed.job || orderKey === undefined) return { claim: claimed };
    // Alone in its line when it was queued: it heads the line until it leaves, no need to ask.
    if (isFirstInLine(claimed.job)) return { claim: claimed, orderKey };
    return { claim: claimed, orderKey, verdict: this.gate.enter(baseCode, orderKey, claimed.job.id!) };
  }

  /**
   * What to do with a claim: nothing left ('empty', and when the next delayed
   * job is due), wait behind an earlier event of its order ('parked'), or the
   * job to deliver now. `wakeUps` is the count of wake-ups when the claim was sent.
   */
  private async admit(
    baseCode: string,
    served: Served,
    { claim, orderKey, verdict }: ClaimInLine,
    token: string,
    wakeUps: number,
  ): Promise<Job<DeliveryJobData> | 'empty' | 'parked'> {
    if (!claim.job) {
      // A wake-up during the claim may announce a job the claim came too early to see: claim again then.
      if (served.wakeUps === wakeUps) served.claimable = 0;
      if (claim.nextDueAt) this.scheduleDue(baseCode, served, claim.nextDueAt);
      return 'empty';
    }
    served.claimable = Math.max(0, served.claimable - 1);
    if (verdict && orderKey !== undefined) {
      const gate = await verdict;
      if (!gate.go) {
        await this.park(baseCode, served, claim.job, token, orderKey, gate.headDueAt);
        return 'parked';
      }
    }
    return claim.job;
  }

  /** Delivers the job in the slot its claim took, then each job its completion claimed, in the same slot. */
  private async runSlot(baseCode: string, served: Served, first: Job<DeliveryJobData>, token: string): Promise<void> {
    let job: Job<DeliveryJobData> | undefined = first;
    let delivered = 0;
    while (job) {
      const jobId = job.id!;
      served.inFlight.set(jobId, token);
      served.locks.set(jobId, token);
      let next: Job<DeliveryJobData> | 'empty' | undefined;
      try {
        next = await this.deliver(baseCode, served, job, token, ++delivered < JOBS_PER_TURN);
      } catch (err) {
        this.options.logger.error('delivery bookkeeping failed', { baseCode, jobId, err: errorMessage(err) });
      } finally {
        served.inFlight.delete(jobId);
        served.locks.delete(jobId);
      }
      job = typeof next === 'string' ? undefined : next;
    }
    this.inFlightTotal -= 1;
    this.afterDelivery(baseCode, served);
  }

  /** A slot is free: let subscriptions that waited for a slot claim, then claim again if the queue has claimable jobs. */
  private afterDelivery(baseCode: string, served: Served): void {
    // Those that waited for a slot first: a subscription that just had one queues up behind them.
    this.serveStarved();
    if (this.closing) return;
    if (served.retiring) {
      if (served.inFlight.size === 0) void this.retire(baseCode, served);
      return;
    }
    void this.pump(baseCode, served);
  }

  /** Gives back the slot of a claim that brought no job to deliver now. */
  private releaseSlot(): void {
    this.inFlightTotal -= 1;
    this.serveStarved();
  }

  /**
   * Lets subscriptions that waited for a slot claim, oldest wait first, while
   * slots are free (each pump takes its slot at once). Closing: tells close()
   * when the last slot is free instead.
   */
  private serveStarved(): void {
    if (this.closing) {
      if (this.inFlightTotal === 0) this.drained?.();
      return;
    }
    for (const other of this.starved) {
      if (this.inFlightTotal >= this.options.maxInFlight) break;
      this.starved.delete(other);
      const s = this.served.get(other);
      if (s) void this.pump(other, s);
    }
  }

  /** Bookkeeping of a delivered job that its slot does not wait for; close() waits for it. */
  private inBackground(baseCode: string, jobId: string, work: Promise<unknown>): void {
    const tracked: Promise<void> = work
      .then(
        () => undefined,
        (err: unknown) => {
          this.options.logger.error('delivery bookkeeping failed', { baseCode, jobId, err: errorMessage(err) });
        },
      )
      .finally(() => this.bookkeeping.delete(tracked));
    this.bookkeeping.add(tracked);
  }

  /**
   * Delivers one job and records the attempt; returns the next job to deliver
   * in this slot if its completion claimed one, 'empty' if that claim found
   * the queue empty.
   */
  private async deliver(
    baseCode: string,
    served: Served,
    job: Job<DeliveryJobData>,
    token: string,
    withinTurn: boolean,
  ): Promise<Job<DeliveryJobData> | 'empty' | undefined> {
    const subscription = await this.subscriptionOf(baseCode);
    if (!subscription || subscription.status !== 'enabled') {
      // Turned off after the claim: put the job back untouched (no attempt counted).
      await job.moveToDelayed(Date.now() + this.options.sweepIntervalMs, token);
      served.locks.delete(job.id!);
      return undefined;
    }
    const attemptNumber = job.attemptsMade + 1;
    const startedAt = Date.now();
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.options.handler.deliver(job, { subscription, attempt: attemptNumber });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      outcome = {
        kind: 'failed',
        error,
        attempt: { startedAt, durationMs: Date.now() - startedAt, resultClass: 'internal_error', message: error.message },
      };
    }
    if (outcome.kind === 'delivered') {
      const next = await this.complete(baseCode, served, job, token, withinTurn);
      // Independent of each other: sent together (one script batch). The next job does not wait for them:
      // its gate entry already saw this job completed.
      this.inBackground(baseCode, job.id!, Promise.all([this.leaveOrderLine(baseCode, job, false), this.report({ subscription, job, attemptNumber, outcome, deadLettered: false })]));
      return next;
    }
    const deadLettered = outcome.final === true || attemptNumber >= (job.opts.attempts ?? 1);
    const error = outcome.final ? new UnrecoverableError(outcome.error.message) : new DeliveryFailure(outcome.error.message, outcome.retryAfterMs);
    await job.moveToFailed(error, token, false);
    served.locks.delete(job.id!);
    // moveToFailed sets job.delay to the backoff it scheduled.
    const nextRetryAt = deadLettered ? undefined : Date.now() + (job.delay ?? 0);
    // No wake-up announces a retry: look again when it is due.
    if (nextRetryAt !== undefined) this.scheduleDue(baseCode, served, nextRetryAt);
    await Promise.all([
      deadLettered ? this.leaveOrderLine(baseCode, job, true) : undefined,
      this.report({ subscription, job, attemptNumber, outcome, deadLettered, ...(nextRetryAt !== undefined ? { nextRetryAt } : {}) }),
    ]);
    return undefined;
  }

  /**
   * Completes a delivered job. While the queue has work, and the slot's turn
   * lasts or no other subscription waits for a slot, the completion also
   * claims the next job and the slot goes on with it.
   */
  private async complete(
    baseCode: string,
    served: Served,
    job: Job<DeliveryJobData>,
    token: string,
    withinTurn: boolean,
  ): Promise<Job<DeliveryJobData> | 'empty' | undefined> {
    const claimNext = served.claimable > 0 && !this.closing && !served.retiring && (withinTurn || this.starved.size === 0);
    if (!claimNext) {
      await served.queue.complete(job, token, false);
      served.locks.delete(job.id!);
      return undefined;
    }
    const wakeUps = served.wakeUps;
    const inLine = await this.claimInLine(baseCode, served.queue.complete(job, token, true));
    served.locks.delete(job.id!);
    const admitted = await this.admit(baseCode, served, inLine, token, wakeUps);
    return admitted === 'parked' ? undefined : admitted;
  }

  /**
   * Tells every observer at once: they keep separate records, and their Redis commands then share a round trip.
   * Observers may hold records back to write them with others; nothing here keeps the report (its job) alive meanwhile.
   */
  private report(report: AttemptReport): Promise<void> {
    const baseCode = report.subscription.baseCode;
    const jobId = report.job.id;
    const failed = (err: unknown): void => {
      this.options.logger.error('attempt observer failed', { baseCode, jobId, err: errorMessage(err) });
    };
    const told = (this.options.observers ?? []).map((observer) => {
      try {
        return Promise.resolve(observer.onAttempt(report)).catch(failed);
      } catch (err) {
        failed(err);
        return undefined;
      }
    });
    return Promise.all(told).then(() => undefined);
  }

  /** The work order a job must keep its place in, unless ordering is off for the subscription or the event has no order. */
  private orderKeyOf(baseCode: string, job: Job<DeliveryJobData>): string | undefined {
    const orderKey = job.data.event.orderKey;
    if (orderKey === undefined || orderKey === '') return undefined;
    const subscription = this.options.subscriptions.cached().byBaseCode.get(baseCode);
    return subscription && !keepsOrder(subscription) ? undefined : orderKey;
  }

  /**
   * Puts a job back (delayed, no attempt counted) until the earlier event of
   * its order is done: the release promotes it at once; the delay only bounds
   * the wait if that release never comes (a crash), then it asks the gate again.
   */
  private async park(baseCode: string, served: Served, job: Job<DeliveryJobData>, token: string, orderKey: string, headDueAt?: number): Promise<void> {
    const now = Date.now();
    const until = Math.min(now + this.options.maxParkMs, Math.max(now + 100, (headDueAt ?? now + this.options.maxParkMs) + 1000));
    await job.moveToDelayed(until, token);
    // The release wakes the queue; this only covers a release that never comes.
    this.scheduleDue(baseCode, served, until);
    // The earlier event may have finished between the gate and the park: then nobody would promote this one.
    if (await this.gate.isHead(baseCode, orderKey, job.id!)) await this.promote(baseCode, served, job.id!);
  }

  /** Takes a finished job out of its order's line and lets the next event of the order go. */
  private async leaveOrderLine(baseCode: string, job: Job<DeliveryJobData>, deadLettered: boolean): Promise<void> {
    const orderKey = this.orderKeyOf(baseCode, job);
    if (orderKey === undefined) return;
    const { next, nextParked, behind } = await this.gate.leave(baseCode, orderKey, job.id!, deadLettered);
    if (deadLettered && behind.length > 0) {
      await job.log(`dead-lettered; later events of order ${orderKey} went on past it: ${behind.join(', ')}`);
    }
    const served = this.served.get(baseCode);
    // A head still waiting (queued, not yet claimed) needs nothing: its queue was woken when it was queued.
    if (next && nextParked && served) await this.promote(baseCode, served, next);
  }

  private async promote(baseCode: string, served: Served, jobId: string): Promise<void> {
    const next = await Job.fromId<DeliveryJobData>(served.queue.queue as never, jobId);
    if (next && (await next.isDelayed())) {
      await next.promote().catch(() => undefined);
    }
    this.wake(baseCode);
  }

  private async heartbeat(): Promise<void> {
    try {
      const live = await this.membership.heartbeat();
      if (live.join(',') !== this.live.join(',')) {
        this.live = live;
        this.liveChangedAt = Date.now();
        this.requestSync();
      }
    } catch (err) {
      this.options.logger.warn('worker heartbeat failed', { err: errorMessage(err) });
    }
  }

  /**
   * Whether this worker serves a subscription now. After the live set changed
   * a newly owned subscription waits two heartbeats, so its previous owner has
   * seen the change and stopped claiming (one claimer per queue keeps orders
   * in line).
   */
  private owns(baseCode: string, alreadyServed: boolean): boolean {
    if (WorkerMembership.ownerOf(baseCode, this.live) !== this.membership.workerId) return false;
    if (alreadyServed || this.live.length <= 1) return true;
    return Date.now() - this.liveChangedAt >= 2 * this.options.heartbeatIntervalMs;
  }

  private async subscriptionOf(baseCode: string): Promise<Subscription | undefined> {
    const cached = this.options.subscriptions.cached().byBaseCode.get(baseCode);
    return cached ?? (await this.options.subscriptions.current()).byBaseCode.get(baseCode);
  }

  private scheduleDue(baseCode: string, served: Served, at: number): void {
    if (served.dueTimer && served.dueAt !== undefined && served.dueAt <= at) return;
    if (served.dueTimer) clearTimeout(served.dueTimer);
    served.dueAt = at;
    served.dueTimer = setTimeout(() => {
      served.dueTimer = undefined;
      served.dueAt = undefined;
      this.wake(baseCode);
    }, Math.max(0, at - Date.now()));
    served.dueTimer.unref();
  }

  private requestSync(): void {
    this.syncing = this.syncing
      .then(async () => {
        if (!this.closing) this.sync(await this.options.subscriptions.current());
      })
      .catch((err: unknown) => {
        this.options.logger.warn('registry sync failed', { err: errorMessage(err) });
      });
  }

  private sync(snapshot: RegistrySnapshot): void {
    const wanted = new Set(
      snapshot.subscriptions
        .filter((s) => s.status === 'enabled' && this.owns(s.baseCode, this.served.has(s.baseCode) && !this.served.get(s.baseCode)!.retiring))
        .map((s) => s.baseCode),
    );
    const waitingForHandoff = snapshot.subscriptions.some(
      (s) => s.status === 'enabled' && !wanted.has(s.baseCode) && WorkerMembership.ownerOf(s.baseCode, this.live) === this.membership.workerId,
    );
    if (waitingForHandoff) {
      const timer = setTimeout(() => this.requestSync(), 2 * this.options.heartbeatIntervalMs);
      timer.unref();
    }
    for (const [baseCode, served] of this.served) {
      if (wanted.has(baseCode) || served.retiring) continue;
      served.retiring = true;
      if (served.dueTimer) clearTimeout(served.dueTimer);
      if (served.inFlight.size === 0) void this.retire(baseCode, served);
      this.options.logger.info('stopped serving subscription', { baseCode });
    }
    for (const baseCode of wanted) {
      const existing = this.served.get(baseCode);
      if (existing && !existing.retiring) continue;
      if (existing) continue; // still retiring; picked up by the next sync
      const queue = new SubscriptionQueue(baseCode, this.options.connection, this.options.prefix, this.options);
      // Not claiming until the jobs left active by a previous owner keep their place in their orders' lines.
      const served: Served = { queue, inFlight: new Map(), locks: new Map(), claimable: Number.POSITIVE_INFINITY, wakeUps: 0, claiming: true, retiring: false };
      this.served.set(baseCode, served);
      this.options.logger.info('serving subscription', { baseCode });
      void this.adoptActiveJobs(baseCode, served);
    }
    this.options.onServedChange?.(this.servedBaseCodes().length);
  }

  /**
   * Before the first claim from a queue this process starts serving: every job
   * still active there (a previous owner's, in flight or left by a crash) is
   * put in its order's line if it is not in it yet. A worker killed between
   * claiming a job and putting it in line leaves it active but in no line;
   * without this, later events of its order would go first, and the job, back
   * from stalled recovery, would be sent after them.
   */
  private async adoptActiveJobs(baseCode: string, served: Served): Promise<void> {
    if (this.closing || served.retiring) return;
    try {
      for (const job of await served.queue.activeJobs()) {
        const orderKey = this.orderKeyOf(baseCode, job);
        if (orderKey !== undefined && (await this.gate.adopt(baseCode, orderKey, job.id!))) {
          this.options.logger.info('put an active job back in its order line', { baseCode, jobId: job.id, orderKey });
        }
      }
    } catch (err) {
      this.options.logger.warn('could not check the active jobs of a queue; trying again', { baseCode, err: errorMessage(err) });
      const timer = setTimeout(() => void this.adoptActiveJobs(baseCode, served), RETRY_AFTER_REDIS_ERROR_MS);
      timer.unref();
      return;
    }
    served.claiming = false;
    void this.pump(baseCode, served);
  }

  private async retire(baseCode: string, served: Served): Promise<void> {
    if (this.served.get(baseCode) !== served) return;
    this.served.delete(baseCode);
    this.starved.delete(baseCode);
    await served.queue.close().catch(() => undefined);
    this.requestSync();
  }

  private async extendLocks(): Promise<void> {
    for (const [baseCode, served] of this.served) {
      if (served.locks.size === 0) continue;
      const ids = [...served.locks.keys()];
      const tokens = ids.map((id) => served.locks.get(id)!);
      try {
        // A job moved on while the extension was under way has no lock to lose.
        const lost = (await served.queue.extendLocks(ids, tokens, this.options.lockDurationMs)).filter((id) => served.locks.has(id));
        if (lost.length > 0) this.options.logger.warn('lost the lock of jobs in flight', { baseCode, jobIds: lost });
      } catch (err) {
        this.options.logger.warn('lock extension failed', { baseCode, err: errorMessage(err) });
      }
    }
  }

  private async recoverStalled(): Promise<void> {
    for (const [baseCode, served] of this.served) {
      if (served.retiring) continue;
      try {
        const recovered = await served.queue.recoverStalled();
        if (recovered.length > 0) {
          this.options.logger.warn('recovered stalled deliveries', { baseCode, jobIds: recovered });
          this.wake(baseCode);
        }
      } catch (err) {
        this.options.logger.warn('stalled check failed', { baseCode, err: errorMessage(err) });
      }
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
