import type { ValidationProblem } from './event';
import { childPointer, pointerLabel } from './json-pointer';
import type { JsonSchema } from './schemas';

/** Keys that could reach an object's prototype if a consumer merged the payload naively. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper payloads are refused: the seed's deepest is 3 levels, and recursion must stay bounded. */
export const MAX_DATA_DEPTH = 32;

/** One key renamed by normalisation, as JSON Pointers into the envelope. */
export interface KeyRename {
  /** Where the key was, as sent (`/data/hangRemark `). */
  from: string;
  /** Where it is now (`/data/hangremark`). */
  to: string;
}

/** The result of {@link normaliseKeys}. */
export interface NormalisedKeys {
  /** A new object; the input is never modified. */
  data: Record<string, unknown>;
  renames: KeyRename[];
  /** `forbidden_key`, `duplicate_key`, `too_deep`. */
  problems: ValidationProblem[];
}

/** The keys the schema describes at one object level, and what lies below each. */
interface ObjectShape {
  /** The table's name by its lower-case spelling. */
  readonly byLowerCase: ReadonlyMap<string, string>;
  readonly children: ReadonlyMap<string, ValueShape>;
}

interface ValueShape {
  /** Shape of the value when it is an object. */
  readonly object?: ObjectShape;
  /** Shape of the items when it is an array of objects. */
  readonly items?: ObjectShape;
}

const shapes = new WeakMap<JsonSchema, ObjectShape>();

function objectShapeOf(schema: JsonSchema): ObjectShape {
  const cached = shapes.get(schema);
  if (cached) return cached;
  const byLowerCase = new Map<string, string>();
  const children = new Map<string, ValueShape>();
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const lower = name.toLowerCase();
    const clash = byLowerCase.get(lower);
    if (clash !== undefined) throw new Error(`schema fields ${clash} and ${name} differ only by case`);
    byLowerCase.set(lower, name);
    // if/then/else is how an "object or array of objects" field is written (see objectOrArrayOf).
    const props = child.properties ? child : child.else?.properties ? child.else : undefined;
    const items = child.items ?? child.then?.items;
    const shape: { object?: ObjectShape; items?: ObjectShape } = {};
    if (props) shape.object = objectShapeOf(props);
    if (items?.properties) shape.items = objectShapeOf(items);
    if (shape.object || shape.items) children.set(name, shape);
  }
  const shape = { byLowerCase, children };
  shapes.set(schema, shape);
  return shape;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Normalises the keys of a `data` object against its schema, because real
 * producers do not always send the table's spelling:
 *
 * - keys are trimmed (`"hangRemark "` → `hangRemark`);
 * - a key that is not a field of the table but equals one ignoring case is
 *   renamed to the table's name (`userid` → `userId`, `hangTime` → `hangtime`:
 *   the table wins, even where the table is the odd one);
 * - when the table's exact name is also present, it is kept and the variant
 *   dropped with a `duplicate_key` problem (two variants: the first is kept);
 * - `__proto__`, `constructor`, `prototype` are dropped with `forbidden_key`,
 *   anywhere in the payload, so the result cannot pollute a prototype when a
 *   consumer merges it;
 * - nesting deeper than {@link MAX_DATA_DEPTH} is cut with `too_deep`.
 *
 * This applies to `data` and to the objects inside it that the schema
 * describes (`reqVariables[]`, `currentUser`, ...); other nested values keep
 * their keys as sent. The input is never modified; levels the schema describes
 * are copied, other values are shared unless a forbidden key must be removed.
 *
 * @param basePath JSON Pointer of `data` in the envelope, for problem paths.
 */
export function normaliseKeys(data: Record<string, unknown>, schema: JsonSchema, basePath = '/data'): NormalisedKeys {
  const result: NormalisedKeys = { data: {}, renames: [], problems: [] };
  result.data = normaliseObject(data, objectShapeOf(schema), basePath, 1, result);
  return result;
}

function normaliseObject(
  source: Record<string, unknown>,
  shape: ObjectShape,
  path: string,
  depth: number,
  result: NormalisedKeys,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const sourceKeyOf = new Map<string, string>(); // target key → the source key its value came from
  for (const key of Object.keys(source)) {
    const from = childPointer(path, key);
    const trimmed = key.trim();
    if (FORBIDDEN_KEYS.has(trimmed)) {
      result.problems.push(forbidden(from));
      continue;
    }
    const target = shape.byLowerCase.has(trimmed.toLowerCase()) && !shapeHas(shape, trimmed)
      ? (shape.byLowerCase.get(trimmed.toLowerCase()) as string)
      : trimmed;
    const to = childPointer(path, target);
    const previous = sourceKeyOf.get(target);
    if (previous !== undefined) {
      // Two keys for one field: the exact spelling wins, else the first one sent.
      if (key !== target || previous === target) {
        result.problems.push(duplicate(from, to));
        continue;
      }
      result.problems.push(duplicate(childPointer(path, previous), to));
      const dropped = childPointer(path, previous);
      result.renames = result.renames.filter((r) => r.from !== dropped && !r.from.startsWith(`${dropped}/`));
    }
    sourceKeyOf.set(target, key);
    if (key !== target) result.renames.push({ from, to });
    out[target] = normaliseValue(source[key], shape.children.get(target), to, depth + 1, result);
  }
  return out;
}

function shapeHas(shape: ObjectShape, name: string): boolean {
  return shape.byLowerCase.get(name.toLowerCase()) === name;
}

function normaliseValue(value: unknown, shape: ValueShape | undefined, path: string, depth: number, result: NormalisedKeys): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DATA_DEPTH) {
    result.problems.push({ path, code: 'too_deep', message: `${pointerLabel(path)} is nested deeper than ${MAX_DATA_DEPTH} levels` });
    return null;
  }
  if (Array.isArray(value)) {
    if (shape?.items) {
      const items = shape.items;
      return value.map((item, i) =>
        isRecord(item) ? normaliseObject(item, items, childPointer(path, i), depth + 1, result) : sanitise(item, childPointer(path, i), depth + 1, result),
      );
    }
    return sanitise(value, path, depth, result);
  }
  const record = value as Record<string, unknown>;
  if (shape?.object) return normaliseObject(record, shape.object, path, depth, result);
  return sanitise(record, path, depth, result);
}

/**
 * A value the schema does not describe: kept as sent, but without forbidden
 * keys. Returns the same reference when nothing had to change (no copy on the
 * hot path).
 */
function sanitise(value: unknown, path: string, depth: number, result: NormalisedKeys): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DATA_DEPTH) {
    result.problems.push({ path, code: 'too_deep', message: `${pointerLabel(path)} is nested deeper than ${MAX_DATA_DEPTH} levels` });
    return null;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = sanitise(item, childPointer(path, i), depth + 1, result);
      if (clean !== item) (copy ??= value.slice())[i] = clean;
    });
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  const keys = Object.keys(record);
  for (const [index, key] of keys.entries()) {
    const child = record[key];
    const childPath = childPointer(path, key);
    if (FORBIDDEN_KEYS.has(key.trim())) {
      result.problems.push(forbidden(childPath));
      copy ??= copyKeys(record, keys.slice(0, index));
      continue;
    }
    const clean = sanitise(child, childPath, depth + 1, result);
    if (clean !== child) copy ??= copyKeys(record, keys.slice(0, index));
    if (copy) copy[key] = clean;
  }
  return copy ?? record;
}

function copyKeys(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of keys) copy[key] = record[key];
  return copy;
}

function forbidden(path: string): ValidationProblem {
  return { path, code: 'forbidden_key', message: `${pointerLabel(path)} is not allowed (it could reach an object prototype); it was dropped` };
}

function duplicate(dropped: string, kept: string): ValidationProblem {
  return {
    path: dropped,
    code: 'duplicate_key',
    message: `${pointerLabel(dropped)} duplicates ${pointerLabel(kept)}; the value of ${pointerLabel(kept)} was kept`,
  };
}
