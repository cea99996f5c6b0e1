import { eventFamilyOf, eventTypeOf, isDomainEvent, type DomainEvent, type DomainProfile, type OrderbusEvent, type WorkOrderEvent } from '@orderbus/core';

/**
 * What a subscriber receives: the seed's push envelope (`baseCode`,
 * `dataArea`, `changeId` as a string, `data` as an object) plus `eventId` to
 * deduplicate by and the event's timestamps. `baseCode` is the receiving
 * subscription's, so one receiver serving several baseCodes can tell them apart.
 */
export interface DeliveryBody {
  eventId: string;
  baseCode: string;
  dataArea: string;
  changeId: string;
  occurredAt: string;
  acceptedAt: string;
  data: Record<string, unknown>;
}

export function deliveryBody(event: WorkOrderEvent, baseCode: string): DeliveryBody {
  return {
    eventId: event.eventId,
    baseCode,
    dataArea: event.dataArea,
    changeId: String(event.changeId),
    occurredAt: event.occurredAt,
    acceptedAt: event.acceptedAt,
    data: event.data,
  };
}

/**
 * A domain-model event (customer, org) as delivered: the seed's message shape
 * with the one event under `events.<type>`, so a receiver written for the
 * seed's messages reads it as is, plus orderbus's fields. `msgId` is the
 * eventId (the seed's receivers deduplicate by msgId).
 */
export interface DomainDeliveryBody {
  eventId: string;
  msgId: string;
  baseCode: string;
  family: string;
  type: string;
  occurredAt: string;
  acceptedAt: string;
  reportTs?: number | string;
  profile: DomainProfile;
  events: Record<string, Record<string, unknown>>;
}

export function domainDeliveryBody(event: DomainEvent, baseCode: string): DomainDeliveryBody {
  return {
    eventId: event.eventId,
    msgId: event.eventId,
    baseCode,
    family: event.family,
    type: event.type,
    occurredAt: event.occurredAt,
    acceptedAt: event.acceptedAt,
    ...(event.reportTs !== undefined ? { reportTs: event.reportTs } : {}),
    profile: event.profile,
    events: { [event.type]: event.data },
  };
}

/**
 * A thin delivery (seed 001's "notify, then pull"): only which event, of what
 * kind, about what and when. The receiver fetches the full event with
 * `GET /v1/events/:eventId` and its registration credential.
 */
export interface ThinDeliveryBody {
  eventId: string;
  family: string;
  type: string;
  /** The entity (work order, customer, organisation), or null when the event names none. */
  key: string | null;
  occurredAt: string;
}

export function thinDeliveryBody(event: OrderbusEvent): ThinDeliveryBody {
  return { eventId: event.eventId, family: eventFamilyOf(event), type: eventTypeOf(event), key: event.orderKey ?? null, occurredAt: event.occurredAt };
}

/** Any body orderbus delivers. */
export type AnyDeliveryBody = DeliveryBody | DomainDeliveryBody | ThinDeliveryBody;

/** The full body of an event for a subscription: the work-order envelope or the domain message. */
export function fullDeliveryBody(event: OrderbusEvent, baseCode: string): DeliveryBody | DomainDeliveryBody {
  return isDomainEvent(event) ? domainDeliveryBody(event, baseCode) : deliveryBody(event, baseCode);
}

/** The body a subscription gets for an event: full (default), or thin when it asked for `payload: 'thin'`. */
export function deliveryBodyFor(event: OrderbusEvent, subscription: { baseCode: string; payload?: 'full' | 'thin' }): AnyDeliveryBody {
  return subscription.payload === 'thin' ? thinDeliveryBody(event) : fullDeliveryBody(event, subscription.baseCode);
}
