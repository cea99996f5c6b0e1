import { changeType } from '../catalogue';
import type { ValidationProblem, WorkOrderEvent } from '../event';

/** The `profile` of a domain-model message: which model sent it. */
export interface DomainProfile {
  poiCode: string;
  appType: string;
  modelId: number | string;
}

/**
 * An event of a domain-model family (customer, org): one key of a message's
 * `events`, as the queues hold it. Shares `eventId`, `orderKey`,
 * `occurredAt`, `acceptedAt` and `problems` with WorkOrderEvent.
 */
export interface DomainEvent {
  /** `<msgId>.<type>` when the message has a msgId, else generated. */
  eventId: string;
  /** The family (`customer`, `org`), from `profile.appType`. */
  family: string;
  /** The key under `events` (`add`, `change`...). */
  type: string;
  /** The object under `events.<type>`, keys normalised like work-order data. */
  data: Record<string, unknown>;
  profile: DomainProfile;
  /** The message's `reportTs`, as sent. */
  reportTs?: number | string;
  /** The message's `msgId`, when sent. */
  msgId?: string;
  /** Tenant and project (MQTT topic variables): from the message, else from the payload. */
  tenant?: string;
  projectId?: string;
  /** When it happened: `eventTs`/`time` of the event, else `reportTs`, else acceptance (ISO 8601). */
  occurredAt: string;
  acceptedAt: string;
  /** The entity the event is about (customer id, org id); events of one entity are delivered in order. */
  orderKey?: string;
  /** compat mode only: what was wrong but let through. */
  problems?: ValidationProblem[];
}

/** What the queues carry: a work-order event or a domain-model event. */
export type OrderbusEvent = WorkOrderEvent | DomainEvent;

/** The family of work-order events. */
export const WORK_ORDER = 'workorder';

export function isDomainEvent(event: OrderbusEvent): event is DomainEvent {
  return typeof (event as Partial<DomainEvent>).family === 'string' && (event as DomainEvent).family !== WORK_ORDER;
}

export function isWorkOrderEvent(event: OrderbusEvent): event is WorkOrderEvent {
  return !isDomainEvent(event);
}

/** `workorder`, `customer`, `org`... */
export function eventFamilyOf(event: OrderbusEvent): string {
  return isDomainEvent(event) ? event.family : WORK_ORDER;
}

/** The event's type: the catalogue name for work-order events (`order.created`), the `events` key otherwise (`add`). */
export function eventTypeOf(event: OrderbusEvent): string {
  return isDomainEvent(event) ? event.type : changeType(event.changeId).name;
}

/** `<family>.<type>`: `workorder.order.created`, `customer.add`; what subscription scopes name. */
export function eventNameOf(event: OrderbusEvent): string {
  return `${eventFamilyOf(event)}.${eventTypeOf(event)}`;
}
