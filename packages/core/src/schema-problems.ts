import type { ErrorObject } from 'ajv';
import type { ValidationProblem } from './event';
import { childPointer, pointerLabel } from './json-pointer';
import { FORBIDDEN_KEYS } from './normalise-keys';
import { DATE_FORMAT, ENVELOPE_KEYS, OPTIONAL_DATE_FORMAT } from './schemas';

/** Keywords whose failure only says "a branch failed"; the branch's own errors carry the detail. */
const SUMMARY_KEYWORDS = new Set(['if', 'anyOf', 'oneOf', 'not']);

/**
 * Turns ajv's errors into orderbus problems: a JSON Pointer into the envelope
 * (`base` is where the validated value sits: `""` or `/data`), a stable code
 * (`required`, `type`, `format`, `enum`, `pattern`, `unknown_field`, ...) and
 * a sentence that names the field and the value received.
 */
export function problemsFromAjv(errors: readonly ErrorObject[] | null | undefined, base: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const problem = toProblem(error, base);
    if (!problem) continue;
    const key = `${problem.path}\u0000${problem.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(error: ErrorObject, base: string): ValidationProblem | undefined {
  if (SUMMARY_KEYWORDS.has(error.keyword)) return undefined;
  const at = base + error.instancePath;
  const params = error.params as Record<string, unknown>;
  const value: unknown = error.data;
  switch (error.keyword) {
    case 'required': {
      const path = childPointer(at, String(params.missingProperty));
      return { path, code: 'required', message: `${pointerLabel(path)} is required` };
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const path = childPointer(at, key);
      if (FORBIDDEN_KEYS.has(key.trim())) {
        return { path, code: 'forbidden_key', message: `${pointerLabel(path)} is not allowed (it could reach an object prototype)` };
      }
      return { path, code: 'unknown_field', message: `${pointerLabel(path)} is not a field of the envelope (allowed: ${ENVELOPE_KEYS.join(', ')})` };
    }
    case 'type': {
      if (at === '/data') {
        return { path: at, code: 'type', message: `data must be an object, or a JSON string holding one, got ${typeName(value)}` };
      }
      const types = String(params.type).split(',');
      return { path: at, code: 'type', message: `${pointerLabel(at)} must be ${types.map(withArticle).join(' or ')}, got ${typeName(value)}` };
    }
    case 'format': {
      const format = String(params.format);
      const expected =
        format === DATE_FORMAT ? 'a date yyyyMMddHHmmss'
        : format === OPTIONAL_DATE_FORMAT ? 'a date yyyyMMddHHmmss (or empty)'
        : format === 'date-time' ? 'an RFC 3339 date-time such as 2019-08-02T16:16:22+08:00'
        : `in the format ${format}`;
      return { path: at, code: 'format', message: `${pointerLabel(at)} must be ${expected}, got ${show(value)}` };
    }
    case 'enum': {
      if (at === '/changeId') {
        return { path: at, code: 'enum', message: `changeId must be 1–10, as a number or a decimal string such as "1", got ${show(value)}` };
      }
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const listed = allowed.filter((v) => v !== '').map(show).join(', ');
      const orEmpty = allowed.includes('') ? ' (or empty)' : '';
      return { path: at, code: 'enum', message: `${pointerLabel(at)} must be one of ${listed}${orEmpty}, got ${show(value)}` };
    }
    case 'pattern':
      return { path: at, code: 'pattern', message: `${pointerLabel(at)} must match ${String(params.pattern)}, got ${show(value)}` };
    default:
      return { path: at, code: error.keyword, message: `${pointerLabel(at)} ${error.message ?? 'is not valid'}` };
  }
}

function withArticle(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The JSON type of a value, for messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short rendering of a value, for messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : 'an object';
}
