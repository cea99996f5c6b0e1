import type { OrderbusDelivery } from '../delivery';
import type {
  OrderCommentedData,
  OrderCreatedData,
  OrderEndedData,
  OrderEvaluatedData,
  OrderHangData,
  OrderSupervisedData,
  OrderTimeoutData,
  OrderTransferredData,
  StepCreatedData,
  StepHandledData,
} from './generated';

export type * from './generated';

/**
 * The `data` type of each changeId, generated from the JSON Schemas the
 * producer validates with (packages/core DATA_SCHEMAS).
 */
export interface EventDataByChangeId {
  1: OrderCreatedData;
  2: StepHandledData;
  3: OrderEndedData;
  4: OrderEvaluatedData;
  5: StepCreatedData;
  6: OrderHangData;
  7: OrderTimeoutData;
  8: OrderSupervisedData;
  9: OrderTransferredData;
  10: OrderCommentedData;
}

/** changeId 1–10 as a number. */
export type EventChangeId = keyof EventDataByChangeId;

/** The `data` of one changeId: `EventData<1>` is a new order. */
export type EventData<C extends EventChangeId> = EventDataByChangeId[C];

/**
 * An event as a producer emits it, typed by its changeId: with
 * `changeId: 1` the compiler requires every field changeId 1's table marks
 * required. `changeId` may be the number or its string (`"1"`), as the
 * producer API accepts both.
 */
export type EventInput<C extends EventChangeId = EventChangeId> = {
  [K in C]: {
    changeId: K | `${K}`;
    /** The data area (数据域编码), e.g. `fwwt`; subscriptions are routed by it. */
    dataArea: string;
    data: EventDataByChangeId[K];
    /** Your idempotency key; the producer client assigns a UUIDv7 when absent. */
    eventId?: string;
    /** When the change happened (default: when orderbus accepts the event). */
    occurredAt?: string | Date;
  };
}[C];

/**
 * A delivery as a receiver gets it, narrowed by `changeId` (a string "1".."10"
 * on the wire): `switch (event.changeId) { case '1': event.data.templateInstName ... }`.
 *
 * The types say what strict mode guarantees. A bus running in compat mode
 * lets events through that miss required fields; check before relying on
 * them there.
 */
export type DeliveredEvent = {
  [K in EventChangeId]: Omit<OrderbusDelivery, 'changeId' | 'data'> & {
    changeId: `${K}`;
    data: EventDataByChangeId[K];
  };
}[EventChangeId];

/** A delivered event of one changeId: `DeliveredEventOf<'1'>`. */
export type DeliveredEventOf<C extends DeliveredEvent['changeId']> = Extract<DeliveredEvent, { changeId: C }>;

/** Reads a verified delivery as the typed union (no copy; the body is trusted once verified). */
export function asDeliveredEvent(delivery: OrderbusDelivery): DeliveredEvent {
  return delivery as DeliveredEvent;
}

/** Whether a delivered event has the given changeId, narrowing its `data`. */
export function isChange<C extends DeliveredEvent['changeId']>(event: DeliveredEvent, changeId: C): event is DeliveredEventOf<C> {
  return event.changeId === changeId;
}
