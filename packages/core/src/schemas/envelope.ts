import { CHANGE_IDS } from '../event';
import { JSON_SCHEMA_DRAFT, deepFreeze, type JsonSchema } from './common';

/** An eventId: what the producer may send, and what receivers deduplicate by. */
export const EVENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
/** A dataArea (数据域编码, the template category code, e.g. `fwwt`, `10008`). */
export const DATA_AREA_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

/** The top-level keys an envelope may have; anything else is `unknown_field`. */
export const ENVELOPE_KEYS = ['eventId', 'dataArea', 'changeId', 'data', 'baseCode', 'occurredAt'] as const;

/**
 * The push envelope of the seed (`baseCode`, `dataArea`, `changeId`, `data`)
 * plus orderbus's optional `eventId` and `occurredAt`. Everything here is
 * needed for routing, so problems with it reject the event in every mode.
 *
 * - `changeId`: the seed types it String (`"1"`); the number is accepted too.
 * - `data`: an object, or a JSON string holding one (the seed: "json字符串");
 *   absent, `null` or `""` is read as `{}` so the required-field problems show.
 * - `baseCode`: deprecated ("已失效"); kept when sent, never used for routing; `null` means absent.
 * - `occurredAt`: RFC 3339 date-time (ISO 8601 with a time zone).
 */
export const ENVELOPE_SCHEMA: JsonSchema = deepFreeze({
  $schema: JSON_SCHEMA_DRAFT,
  title: 'orderbus event envelope',
  description: 'A work-order event as producers POST it.',
  type: 'object',
  required: ['dataArea', 'changeId'],
  additionalProperties: false,
  properties: {
    eventId: { type: 'string', pattern: EVENT_ID_PATTERN, description: 'Idempotency key; generated (UUIDv7) when absent' },
    dataArea: { type: 'string', pattern: DATA_AREA_PATTERN, description: 'Data area code (数据域编码), the routing tag' },
    changeId: { enum: [...CHANGE_IDS, ...CHANGE_IDS.map(String)], description: 'Kind of change, 1–10, as a number or a decimal string' },
    data: { type: ['object', 'string', 'null'], description: 'The business payload, an object or a JSON string of one' },
    baseCode: { type: ['string', 'null'], description: 'Deprecated subscriber system code (已失效); never used for routing' },
    occurredAt: { type: 'string', format: 'date-time', description: 'When the change happened (RFC 3339); defaults to acceptance time' },
  } satisfies Record<(typeof ENVELOPE_KEYS)[number], JsonSchema>,
});
