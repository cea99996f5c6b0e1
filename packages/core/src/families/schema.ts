/**
 * Building blocks of the domain-model families' schemas (customer, org...).
 * Their field tables type values as `int`, `long`, `string`, `string[]`,
 * `Object`; producers send numbers as JSON numbers or as strings (seed 001
 * sends `"eventType": "1"` next to `"eventType": 1`), so every numeric field
 * accepts both, checked by the formats below.
 */
import { JSON_SCHEMA_DRAFT, deepFreeze } from '../schemas/common';

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** A JSON Schema (draft-07) node as the family schemas use it: a wider vocabulary than the work-order ones. */
export type FamilySchema = {
  readonly $schema?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, FamilySchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | FamilySchema;
  readonly items?: FamilySchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly minimum?: number;
};

/** An integer, or a string holding one (`7`, `"7"`): the seed's `int`/`long` fields. */
export const INTEGER_STRING_FORMAT = 'integer-or-digits';
/** `YYYY-MM-DD HH:MM:SS`, the other spelling of a timestamp in seed 000's delete table. */
export const DATETIME_TEXT_FORMAT = 'yyyy-MM-dd HH:mm:ss';

const DIGITS = /^-?(?:0|[1-9]\d*)$/;
const DATETIME_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export function isIntegerString(value: string): boolean {
  return DIGITS.test(value);
}

export function isDateTimeText(value: string): boolean {
  return DATETIME_TEXT.test(value) && !Number.isNaN(Date.parse(value.replace(' ', 'T') + 'Z'));
}

/** A string field. */
export function text(description: string): FamilySchema {
  return { type: 'string', description };
}

/** `int`/`long`: an integer or a string of digits (ids longer than 2^53 must travel as strings). */
export function integer(description: string): FamilySchema {
  return { type: ['integer', 'string'], format: INTEGER_STRING_FORMAT, description };
}

/** An `int` with a value list (`0:代表空, 1:身份证...`): the integers and their decimal strings. */
export function intCode(values: readonly number[], description: string): FamilySchema {
  return { enum: [...values, ...values.map(String)], description };
}

/** An epoch timestamp (`long`): milliseconds or seconds, see docs/families.md. */
export function epoch(description: string): FamilySchema {
  return { type: ['integer', 'string'], format: INTEGER_STRING_FORMAT, description };
}

/** `eventTs` of seed 000's delete table: an epoch, or `YYYY-MM-DD HH:MM:SS` as its length column says. */
export function epochOrDateTime(description: string): FamilySchema {
  return { type: ['integer', 'string'], format: `${INTEGER_STRING_FORMAT}|${DATETIME_TEXT_FORMAT}`, description };
}

/** An array of strings (`string[]`). */
export function strings(description: string, opts: { minItems?: number } = {}): FamilySchema {
  return { type: 'array', items: { type: 'string' }, description, ...(opts.minItems !== undefined ? { minItems: opts.minItems } : {}) };
}

/** A free object (`Object`, e.g. `meta`). */
export function anyObject(description: string): FamilySchema {
  return { type: 'object', description };
}

/**
 * An object with the given fields. Unknown fields are allowed (producers add
 * some, like `parentId` in seed 001). Optional fields may also be `null`
 * (seed 000 sends `"customerGradeId": null`): null means absent.
 */
export function object(properties: Record<string, FamilySchema>, required: readonly string[], description?: string): FamilySchema {
  for (const name of required) {
    if (!(name in properties)) throw new Error(`schema: required field ${name} has no property`);
  }
  const withNull: Record<string, FamilySchema> = {};
  for (const [name, schema] of Object.entries(properties)) withNull[name] = required.includes(name) ? schema : nullable(schema);
  return { type: 'object', ...(description ? { description } : {}), properties: withNull, required };
}

/** The same schema, also accepting `null`. */
export function nullable(schema: FamilySchema): FamilySchema {
  if (schema.enum) return { ...schema, enum: [...schema.enum, null] };
  if (schema.type === undefined) return schema;
  const types = ([] as string[]).concat(schema.type as string | string[]);
  return types.includes('null') ? schema : { ...schema, type: [...types, 'null'] as unknown as JsonType[] };
}

/** An array of objects. */
export function listOf(item: FamilySchema, description: string, opts: { minItems?: number } = {}): FamilySchema {
  return { type: 'array', description, items: item, ...(opts.minItems !== undefined ? { minItems: opts.minItems } : {}) };
}

/** The schema of one event type's payload (the object under `events.<type>`). */
export function eventSchema(title: string, description: string, properties: Record<string, FamilySchema>, required: readonly string[]): FamilySchema {
  const { type: _t, ...shape } = object(properties, required);
  return deepFreeze({ $schema: JSON_SCHEMA_DRAFT, title, description, type: 'object', ...shape });
}

/** `eventType`: 1 marks an ordinary notification (通知型); 2 marks an error report, which travels the other way. */
export const NOTIFICATION_EVENT_TYPE = intCode([1], 'Event type (事件类型): 1, a notification (通知型)');
