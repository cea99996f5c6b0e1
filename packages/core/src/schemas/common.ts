/**
 * Building blocks shared by the per-changeId `data` schemas: the JSON Schema
 * type we write them in, the date format of the seed, and the fields every
 * table repeats.
 */

/** JSON Schema draft-07, the dialect of every orderbus schema (ajv's default). */
export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** A JSON Schema node, as far as orderbus's schemas use the vocabulary. */
export type JsonSchema = {
  readonly $schema?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly if?: JsonSchema;
  readonly then?: JsonSchema;
  readonly else?: JsonSchema;
};

/** The seed's timestamp format: `yyyyMMddHHmmss`, e.g. `20190802161622` (local time, no zone). */
export const DATE_FORMAT = 'yyyyMMddHHmmss';
/** The same, for optional fields: the empty string means "absent" (the seed's examples send `""`). */
export const OPTIONAL_DATE_FORMAT = 'yyyyMMddHHmmss-or-empty';
/** The shape of a `yyyyMMddHHmmss` value; {@link isCompactDate} also checks the calendar. */
export const DATE_PATTERN = /^\d{14}$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `value` is a real `yyyyMMddHHmmss` timestamp (so `20191340000000` is not). */
export function isCompactDate(value: string): boolean {
  if (!DATE_PATTERN.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(4, 6));
  const day = Number(value.slice(6, 8));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const maxDay = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= maxDay &&
    Number(value.slice(8, 10)) <= 23 && Number(value.slice(10, 12)) <= 59 && Number(value.slice(12, 14)) <= 59
  );
}

/** A string field. Every field of the seed's tables is a String unless it says array/Object. */
export function text(description: string): JsonSchema {
  return { type: 'string', description };
}

/** A required `yyyyMMddHHmmss` field. */
export function date(description: string): JsonSchema {
  return { type: 'string', format: DATE_FORMAT, description };
}

/** An optional `yyyyMMddHHmmss` field; `""` is accepted and means absent. */
export function optionalDate(description: string): JsonSchema {
  return { type: 'string', format: OPTIONAL_DATE_FORMAT, description };
}

/**
 * A coded string field. Optional coded fields also accept `""` (absent), as
 * producers send empty strings for fields they have no value for.
 */
export function code(values: readonly string[], description: string, opts: { optional?: boolean } = {}): JsonSchema {
  return { type: 'string', enum: opts.optional ? ['', ...values] : [...values], description };
}

/** An object with the given fields; unknown fields are allowed (producers add some). */
export function object(properties: Record<string, JsonSchema>, required: readonly string[], description?: string): JsonSchema {
  return { type: 'object', ...(description ? { description } : {}), properties, required };
}

/** An array of `item`. */
export function arrayOf(item: JsonSchema, description: string): JsonSchema {
  return { type: 'array', description, items: item };
}

/**
 * An object, or an array of such objects. For changeId 5 `currentUser` the
 * table says Object but the example sends an array: both are accepted.
 * Written as if/then/else rather than anyOf so that a failure reports the
 * problems of the shape that was sent, not of both alternatives.
 */
export function objectOrArrayOf(item: JsonSchema, description: string): JsonSchema {
  const { type: _type, description: _d, ...shape } = item;
  return { type: ['object', 'array'], description, if: { type: 'array' }, then: { items: item }, else: shape };
}

/** A "data" schema: the business payload of one changeId. */
export function dataSchema(
  title: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
): JsonSchema {
  for (const name of required) {
    if (!(name in properties)) throw new Error(`schema "${title}": required field ${name} has no property`);
  }
  return deepFreeze({ $schema: JSON_SCHEMA_DRAFT, title, description, type: 'object', properties, required });
}

/** The form attributes of a step (`reqVariables` of changeId 1, `variables` of changeId 2); every field is N. */
export const ATTRIBUTE_ITEM: JsonSchema = object(
  {
    title: text('Title (标题)'),
    attrCode: text('Attribute code (属性编码)'),
    attrValue: text('Attribute value (属性值); may itself hold JSON, e.g. a list of photo paths'),
  },
  [],
  'A form attribute submitted at the step',
);

/** Contact/handler type, `1` customer, `2` employee (联系人类型 1：客户，2：员工). */
export const USER_TYPES = ['1', '2'] as const;

/** The fields every table starts with (all String; templateDifId is N everywhere). */
export const ORDER_FIELDS = {
  serviceOrderId: text('Work order id (服务工单ID); the order key'),
  serviceOrderCode: text('Work order code (服务工单编码)'),
  templateId: text('Service category id (服务大类ID)'),
  templateDifId: text('Service flow id (服务流程Id)'),
  busiTypeId: text('Business type id (业务类型Id)'),
  organId: text('Organisation id (组织机构ID)'),
} satisfies Record<string, JsonSchema>;

/** The fields every table marks Y. */
export const ORDER_REQUIRED = ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId'] as const;

/** Freezes a schema tree so no consumer can change what the validator compiled. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
