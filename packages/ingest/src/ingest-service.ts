import {
  OrderbusError,
  ValidationError,
  isDomainEvent,
  isDomainMessage,
  isWorkOrderEvent,
  type DomainMessageValidator,
  type EventValidator,
  type OrderbusEvent,
  type ValidationProblem,
  type WorkOrderEvent,
} from '@orderbus/core';
import { keepsOrder, receivingSubscriptions, type SubscriptionCache } from '@orderbus/registry';
import { orUnavailable, type Fanout, type FanoutItem } from '@orderbus/queues';
import type { WorkOrderIndex } from './work-order-index';

/** The producer's answer for one event. */
export interface EventReceipt {
  eventId: string;
  /** true: this eventId was accepted before with the same payload; nothing new was queued. */
  duplicate: boolean;
  /** How many subscription queues hold the event. */
  queuedFor: number;
  /** compat mode: schema problems that were let through. */
  problems?: ValidationProblem[];
}

/** The producer's answer for one domain-model message: one receipt per key of its `events`. */
export interface MessageReceipt {
  family: string;
  msgId?: string;
  events: Array<EventReceipt & { type: string }>;
}

/** One receipt per request item: a work-order event, or a domain-model message. */
export type IngestReceipt = EventReceipt | MessageReceipt;

export type IngestResult = { batch: false; receipt: IngestReceipt } | { batch: true; receipts: IngestReceipt[] };

/** Counters the producer app exports as metrics. */
export interface IngestObserver {
  accepted(event: OrderbusEvent): void;
  duplicate(): void;
  problems(problems: readonly ValidationProblem[]): void;
  renamedKeys(count: number): void;
  enqueued(jobs: number): void;
}

export interface IngestServiceOptions {
  validator: EventValidator;
  /** Validates domain-model messages (customer, org...); without it only work-order envelopes are accepted. */
  messages?: DomainMessageValidator;
  subscriptions: SubscriptionCache;
  fanout: Fanout;
  /** Most events in one `{"events": [...]}` request. */
  maxBatch: number;
  /** Indexes accepted events by work order (for lookups); best effort. */
  workOrders?: WorkOrderIndex;
  /** Told when the work-order index could not be written (the events were accepted all the same). */
  onIndexError?: (err: unknown) => void;
  observer?: IngestObserver;
}

interface Validated {
  event: OrderbusEvent;
  fingerprint: string;
  /** The request item it came from (a domain message gives several events). */
  item: number;
  /** The item's message, for a domain event. */
  message?: { family: string; msgId?: string };
  /** Index of an earlier item of the same batch with the same eventId and payload. */
  sameAs?: number;
}

/**
 * Turns an ingest request body (one envelope, or `{"events": [...]}`) into
 * queued deliveries. All or nothing: one invalid event rejects the batch with
 * every problem of every item, and nothing is written.
 */
export class IngestService {
  constructor(private readonly options: IngestServiceOptions) {}

  async ingest(body: unknown): Promise<IngestResult> {
    // The registry's version check goes out first, so its round trip overlaps validation (an invalid request ignores its answer).
    const snapshotRead = orUnavailable(() => this.options.subscriptions.current());
    snapshotRead.catch(() => undefined);
    const batch = isBatch(body);
    const inputs = batch ? this.batchItems(body) : [body];
    const validated = this.validateAll(inputs, batch);

    const snapshot = await snapshotRead;
    const unique = validated.filter((v) => v.sameAs === undefined);
    const items: FanoutItem[] = unique.map((v) => {
      const receiving = receivingSubscriptions(snapshot, v.event);
      return {
        // FanoutItem is typed for work-order events; the fan-out reads only eventId, orderKey (and changeType(changeId).name,
        // which names a domain event's job 'domain-event'): see docs/families.md, "What the fan-out should do".
        event: v.event as WorkOrderEvent,
        fingerprint: v.fingerprint,
        baseCodes: receiving.map((s) => s.baseCode),
        orderedBaseCodes: receiving.filter(keepsOrder).map((s) => s.baseCode),
      };
    });
    const results = await orUnavailable(() => this.options.fanout.publish(items));
    const byId = new Map(results.map((r) => [r.eventId, r]));
    // Only work-order events are indexed by work order.
    const fresh = unique.filter((v) => byId.get(v.event.eventId)?.duplicate === false).map((v) => v.event).filter(isWorkOrderEvent);
    if (this.options.workOrders && fresh.length > 0) {
      await this.options.workOrders.record(fresh).catch((err: unknown) => this.options.onIndexError?.(err));
    }

    const receipts: IngestReceipt[] = [];
    validated.forEach((v, index) => {
      const result = byId.get(v.event.eventId)!;
      const duplicate = v.sameAs !== undefined || result.duplicate;
      const receipt: EventReceipt = { eventId: v.event.eventId, duplicate, queuedFor: result.queuedFor };
      if (v.event.problems?.length) receipt.problems = v.event.problems;
      this.observe(v, duplicate, index);
      if (!v.message) {
        receipts.push(receipt);
        return;
      }
      // The events of one message share its receipt, in the order of its `events` keys.
      const last = receipts[receipts.length - 1];
      const type = isDomainEvent(v.event) ? v.event.type : '';
      if (last && 'family' in last && validated[index - 1]?.item === v.item) last.events.push({ ...receipt, type });
      else receipts.push({ family: v.message.family, ...(v.message.msgId !== undefined ? { msgId: v.message.msgId } : {}), events: [{ ...receipt, type }] });
    });
    this.options.observer?.enqueued(results.reduce((n, r) => n + (r.duplicate ? 0 : r.queuedFor), 0));
    return batch ? { batch: true, receipts } : { batch: false, receipt: receipts[0]! };
  }

  private observe(v: Validated, duplicate: boolean, _index: number): void {
    const observer = this.options.observer;
    if (!observer) return;
    if (duplicate) observer.duplicate();
    else observer.accepted(v.event);
    if (v.event.problems?.length) observer.problems(v.event.problems);
  }

  private batchItems(body: Record<string, unknown>): unknown[] {
    const extra = Object.keys(body).filter((k) => k !== 'events');
    if (extra.length > 0) {
      throw new ValidationError(
        extra.map((k) => ({ path: `/${k}`, code: 'unknown_field', message: `A batch has only "events"; "${k}" is not allowed.` })),
      );
    }
    const events = body.events;
    if (!Array.isArray(events)) {
      throw new ValidationError([{ path: '/events', code: 'type', message: 'events must be an array of event envelopes.' }]);
    }
    if (events.length === 0) {
      throw new ValidationError([{ path: '/events', code: 'min_items', message: 'events must hold at least one event.' }]);
    }
    if (events.length > this.options.maxBatch) {
      throw new OrderbusError('payload_too_large', `A batch holds at most ${this.options.maxBatch} events; this one has ${events.length}.`, {
        maxBatch: this.options.maxBatch,
      });
    }
    return events;
  }

  private validateAll(inputs: unknown[], batch: boolean): Validated[] {
    const problems: ValidationProblem[] = [];
    const validated: Validated[] = [];
    const seen = new Map<string, { index: number; fingerprint: string }>();
    inputs.forEach((input, index) => {
      const at = batch ? `/events/${index}` : '';
      const accepted = this.validateItem(input);
      if (!accepted.ok) {
        for (const p of accepted.problems) problems.push({ ...p, path: `${at}${p.path}` });
        return;
      }
      for (const outcome of accepted.events) {
        this.options.observer?.renamedKeys(outcome.renamedKeys.length);
        const earlier = seen.get(outcome.event.eventId);
        if (earlier && earlier.fingerprint !== outcome.fingerprint) {
          problems.push({
            path: accepted.message ? `${at}/msgId` : `${at}/eventId`,
            code: 'duplicate_event_id',
            message: `eventId "${outcome.event.eventId}" is used by /events/${earlier.index} with a different payload.`,
          });
          continue;
        }
        if (!earlier) seen.set(outcome.event.eventId, { index, fingerprint: outcome.fingerprint });
        validated.push({
          event: outcome.event,
          fingerprint: outcome.fingerprint,
          item: index,
          ...(accepted.message ? { message: accepted.message } : {}),
          ...(earlier ? { sameAs: earlier.index } : {}),
        });
      }
    });
    if (problems.length > 0) {
      throw new ValidationError(problems, batch ? 'The batch was rejected: fix every listed problem; nothing was queued.' : 'The event is not valid; nothing was queued.');
    }
    return validated;
  }

  /** One request item: a domain-model message (several events) or a work-order envelope (one). */
  private validateItem(
    input: unknown,
  ):
    | { ok: true; events: Array<{ event: OrderbusEvent; fingerprint: string; renamedKeys: string[] }>; message?: { family: string; msgId?: string } }
    | { ok: false; problems: ValidationProblem[] } {
    if (this.options.messages && isDomainMessage(input)) {
      const outcome = this.options.messages.validate(input);
      if (!outcome.ok) return outcome;
      return { ok: true, events: outcome.events, message: { family: outcome.family, ...(outcome.msgId !== undefined ? { msgId: outcome.msgId } : {}) } };
    }
    const outcome = this.options.validator.validate(input);
    return outcome.ok ? { ok: true, events: [outcome] } : outcome;
  }
}

/** `{"events": [...]}`; a domain-model message also has `events`, but as an object next to `profile`. */
function isBatch(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body && !isDomainMessage(body);
}
