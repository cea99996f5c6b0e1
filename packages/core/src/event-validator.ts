import { CHANGE_CATALOGUE, parseChangeId } from './catalogue';
import { compiledSchemas } from './compiled-schemas';
import { isOrderbusError } from './errors';
import type { ValidationMode, ValidationProblem, WorkOrderEvent } from './event';
import { newEventId } from './event-id';
import { fingerprint } from './fingerprint';
import { pointerLabel } from './json-pointer';
import { normaliseKeys } from './normalise-keys';
import { parseJson } from './parse-json';
import { problemsFromAjv, typeName } from './schema-problems';
import { DATA_SCHEMAS } from './schemas';

/** The name of the setting that enables changeId 8; the config package reads it. */
export const ENABLE_SUPERVISE_VARIABLE = 'ORDERBUS_ENABLE_SUPERVISE';

export interface EventValidatorOptions {
  /** `strict` rejects payloads that break the field tables; `compat` accepts them and lists the problems. */
  mode: ValidationMode;
  /** Accept changeId 8 (supervise), which the seed marks "not supported yet". */
  enableSupervise: boolean;
  /** The clock, for `acceptedAt` (tests fix it). */
  now?: () => Date;
  /** The id for events sent without `eventId` (default: {@link newEventId}). */
  newId?: () => string;
}

/** What {@link EventValidator.validate} decided. */
export type ValidationOutcome =
  | {
      ok: true;
      event: WorkOrderEvent;
      /** sha256 of what the producer sent (see {@link fingerprint}); same event, same fingerprint. */
      fingerprint: string;
      /** Keys renamed by normalisation, as `"<from pointer> -> <to pointer>"` (for a metric). */
      renamedKeys: string[];
    }
  | { ok: false; problems: ValidationProblem[] };

export interface EventValidator {
  readonly mode: ValidationMode;
  /** Validates and normalises one envelope (already parsed from JSON). Never throws. */
  validate(input: unknown): ValidationOutcome;
}

/**
 * Creates the validator of incoming events. Schemas are compiled once (shared
 * by all validators); `validate` is then a few microseconds per event.
 *
 * Problems with the envelope (not an object, dataArea, changeId, eventId,
 * occurredAt, data neither an object nor a JSON string of one, unknown
 * top-level keys, changeId 8 while supervise is disabled) reject the event in
 * both modes, because routing needs them. Problems with `data` against the
 * seed's field tables reject it in `strict` mode; in `compat` mode it is
 * accepted, the value kept as sent, and `event.problems` lists them.
 */
export function createEventValidator(options: EventValidatorOptions): EventValidator {
  const schemas = compiledSchemas();
  const { mode, enableSupervise } = options;
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? newEventId;

  function validate(input: unknown): ValidationOutcome {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, problems: [{ path: '', code: 'type', message: `the event must be a JSON object, got ${typeName(input)}` }] };
    }
    const envelope = input as Record<string, unknown>;
    const blocking: ValidationProblem[] = schemas.envelope(envelope) ? [] : problemsFromAjv(schemas.envelope.errors, '');

    const changeId = parseChangeId(envelope.changeId);
    const data = readData(envelope.data, blocking);

    let normalised: ReturnType<typeof normaliseKeys> | undefined;
    const dataProblems: ValidationProblem[] = [];
    if (changeId === 8 && !enableSupervise) {
      blocking.push({
        path: '/changeId',
        code: 'unsupported_change',
        message: `changeId 8 (supervise) is not supported yet; set ${ENABLE_SUPERVISE_VARIABLE}=true to enable it`,
      });
    } else if (changeId !== undefined && data !== undefined) {
      const schema = DATA_SCHEMAS[changeId];
      normalised = normaliseKeys(data, schema, '/data');
      for (const problem of normalised.problems) (problem.code === 'too_deep' ? blocking : dataProblems).push(problem);
      const validateData = schemas.data[changeId];
      if (!validateData(normalised.data)) dataProblems.push(...problemsFromAjv(validateData.errors, '/data'));
    }

    if (mode === 'strict') blocking.push(...dataProblems);
    if (blocking.length > 0 || changeId === undefined || normalised === undefined) {
      return { ok: false, problems: blocking };
    }

    const renames = normalised.renames;
    const given = {
      dataArea: envelope.dataArea as string,
      changeId,
      baseCode: typeof envelope.baseCode === 'string' ? envelope.baseCode : undefined,
      occurredAt: typeof envelope.occurredAt === 'string' ? envelope.occurredAt : undefined,
    };
    const acceptedAt = now().toISOString();
    const event: WorkOrderEvent = {
      eventId: typeof envelope.eventId === 'string' ? envelope.eventId : newId(),
      dataArea: given.dataArea,
      changeId,
      ...(given.baseCode !== undefined ? { baseCode: given.baseCode } : {}),
      data: normalised.data,
      occurredAt: given.occurredAt ?? acceptedAt,
      acceptedAt,
    };
    const orderKey = normalised.data[CHANGE_CATALOGUE[changeId].orderKeyField];
    if (typeof orderKey === 'string' && orderKey !== '') event.orderKey = orderKey;
    if (mode === 'compat') {
      const notes = renames.map(
        (r): ValidationProblem => ({
          path: r.from,
          code: 'renamed_key',
          message: `${pointerLabel(r.from)} was read as ${pointerLabel(r.to)} (the field table's spelling)`,
        }),
      );
      if (notes.length + dataProblems.length > 0) event.problems = [...notes, ...dataProblems];
    }
    return {
      ok: true,
      event,
      fingerprint: fingerprint({ ...given, data: normalised.data }),
      renamedKeys: renames.map((r) => `${r.from} -> ${r.to}`),
    };
  }

  return { mode, validate };
}

/**
 * The payload as an object: absent, `null` or `""` is `{}` (the seed marks
 * data N; the required-field problems then show), a string is parsed. Returns
 * undefined, with a problem, when it is neither (a non-object type is already
 * reported by the envelope schema).
 */
function readData(value: unknown, problems: ValidationProblem[]): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = parseJson(value, '/data');
    } catch (err) {
      problems.push({ path: '/data', code: 'not_json', message: isOrderbusError(err) ? err.message : 'data is not valid JSON' });
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push({ path: '/data', code: 'type', message: `data must be a JSON object, got a JSON string holding ${typeName(parsed)}` });
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}
