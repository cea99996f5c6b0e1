import type { ChangeId } from '@orderbus/core';

/**
 * `disabled`: nothing is queued (a new subscription starts here, seed 002).
 * `enabled`: events are queued and delivered.
 * `auto-disabled`: set by the bus after persistent failure; events are still
 * queued (bounded backlog) but the queue is paused until re-enabled.
 */
export type SubscriptionStatus = 'disabled' | 'enabled' | 'auto-disabled';

export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['disabled', 'enabled', 'auto-disabled'];

/** Which events a subscription receives: `'*'` means all. */
export interface SubscriptionScope {
  /** Work-order events only: their data areas. */
  dataAreas: '*' | string[];
  /** Work-order events only: their changeIds. */
  changeIds: '*' | ChangeId[];
  /**
   * Event families and types: `'*'`, or patterns `<family>.*` /
   * `<family>.<type>` (`customer.add`, `org.*`, `workorder.*`). Absent:
   * work-order events only (`['workorder.*']`), as before families existed.
   */
  events?: '*' | string[];
}

/** How a subscription receives events: an HTTP callback (default) or an MQTT broker. */
export type SubscriptionChannel =
  | { type: 'http' }
  | {
      type: 'mqtt';
      /** `mqtt://host:port` or `mqtts://host:port`. */
      url: string;
      username?: string;
      /** Whether a password is stored (kept apart from the subscription, never listed). */
      hasPassword?: boolean;
      /** `{tenant}` of the seed topics when the event names none. */
      tenant?: string;
      /** `{projectId}` of the seed topics when the event names none. */
      projectId?: string;
    };

/** `full`: the event itself; `thin`: `{eventId, family, type, key, occurredAt}`, the receiver pulls the rest. */
export type SubscriptionPayload = 'full' | 'thin';

/** Whom the bus mails when deliveries fail (seed 002's exception contact). */
export interface SubscriptionContact {
  name: string;
  email: string;
}

/** A third-party system registered to receive events, identified by its baseCode. */
export interface Subscription {
  baseCode: string;
  /** Human name of the subscribing system (e.g. "XX系统"). */
  systemName?: string;
  callbackUrl: string;
  scope: SubscriptionScope;
  contact: SubscriptionContact;
  status: SubscriptionStatus;
  /**
   * Events of one work order are delivered one at a time, in acceptance order
   * (default). Off: plain parallel delivery for receivers that do not need it.
   * Turned on later, it holds for events accepted from then on; events already
   * queued take their place in line when they are claimed.
   */
  ordering?: boolean;
  /** Where deliveries go (default `{type: 'http'}` to callbackUrl). For MQTT, callbackUrl repeats the broker URL. */
  channel?: SubscriptionChannel;
  /** Full events (default) or thin notifications followed by a pull (`GET /v1/events/:eventId`). */
  payload?: SubscriptionPayload;
  /** Who or what set the status last, and why. */
  statusChangedBy: string;
  statusReason: string;
  statusChangedAt: string;
  createdAt: string;
  updatedAt: string;
  /** Bumped on every write; guards concurrent updates (compare-and-set). */
  revision: number;
}

/** Whether a subscription keeps each work order's events in line (`ordering`: on unless turned off). */
export function keepsOrder(subscription: Pick<Subscription, 'ordering'>): boolean {
  return subscription.ordering !== false;
}

/** A signing secret (`whsec_...`). Stored apart from the subscription and never listed. */
export interface SigningSecret {
  id: string;
  secret: string;
  createdAt: string;
  /** Set on the old secret when it is rotated: it stays valid until then. */
  expiresAt?: string;
}
