import type { FamilySchema } from './schema';

/** Where an event's MQTT topic takes its variables from (see docs/families.md, "MQTT topics"). */
export interface TopicVariables {
  tenant?: string;
  projectId?: string;
}

/** One event type of a domain-model family: a key under the message's `events`. */
export interface DomainEventType {
  /** The key under `events` (`add`, `change`, `mainResponsible`). */
  type: string;
  title: string;
  /** The JSON Schema of the object under `events.<type>`. */
  schema: FamilySchema;
  /** The entity the event is about (customer id, org id): its events are delivered in order. Undefined when there is none, or several. */
  orderKey(data: Readonly<Record<string, unknown>>): string | undefined;
  /** The MQTT topic, with `{tenant}` and `{projectId}` placeholders (the seed's topic scheme). */
  topic: string;
}

/**
 * A family of domain-model events (seed 000/001): messages
 * `{msgId?, reportTs, profile: {poiCode, appType, modelId}, events: {<type>: {...}}}`,
 * whose `profile.appType` names the family.
 */
export interface DomainFamily {
  family: string;
  kind: 'domain-model';
  title: string;
  /** `profile.appType` of its messages. */
  appType: string;
  /** What `profile` must say besides appType (`s0140001`/140001 for customer). */
  profile: { poiCode: string; modelId: number };
  /** The document the family is written from. */
  source: string;
  types: Readonly<Record<string, DomainEventType>>;
  /** Topic variables the payload carries (org events name their tenant). */
  topicVariables(type: string, data: Readonly<Record<string, unknown>>): TopicVariables;
}

/** The work-order family: the envelope of seed 003, its types are the changeId catalogue's names. */
export interface WorkOrderFamily {
  family: 'workorder';
  kind: 'envelope';
  title: string;
  source: string;
  types: Readonly<Record<string, { type: string; title: string; topic: string }>>;
}

export type EventFamily = WorkOrderFamily | DomainFamily;

/** An id as a string: a non-empty string, or an integer (`long` ids sent as numbers). */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return undefined;
}

/** The one id all values agree on; undefined when there are none, or several different ones. */
export function singleId(values: readonly unknown[]): string | undefined {
  const ids = new Set(values.map(idText).filter((v): v is string => v !== undefined));
  return ids.size === 1 ? [...ids][0] : undefined;
}

/** The `field` of every object of the array `list` (absent or not an array: none). */
export function fieldOfItems(list: unknown, field: string): unknown[] {
  return Array.isArray(list) ? list.map((item) => (item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[field] : undefined)) : [];
}
