/**
 * @orderbus/core — the event model of orderbus: the changeId catalogue, one
 * JSON Schema per changeId written from the work-order system's field tables,
 * key normalisation, validation (strict / compat), ids and fingerprints.
 */
export * from './event';
export * from './errors';
export { CHANGE_CATALOGUE, changeType, parseChangeId, type ChangeType } from './catalogue';
export {
  DATA_AREA_PATTERN,
  DATA_SCHEMAS,
  DATE_FORMAT,
  DATE_PATTERN,
  ENVELOPE_KEYS,
  ENVELOPE_SCHEMA,
  EVENT_ID_PATTERN,
  JSON_SCHEMA_DRAFT,
  OPTIONAL_DATE_FORMAT,
  isCompactDate,
  type JsonSchema,
} from './schemas';
export { FORBIDDEN_KEYS, MAX_DATA_DEPTH, normaliseKeys, type KeyRename, type NormalisedKeys } from './normalise-keys';
export { parseJson } from './parse-json';
export { newEventId } from './event-id';
export { canonicalJson, fingerprint, type FingerprintInput } from './fingerprint';
export { pointerLabel } from './json-pointer';
export {
  ENABLE_SUPERVISE_VARIABLE,
  createEventValidator,
  type EventValidator,
  type EventValidatorOptions,
  type ValidationOutcome,
} from './event-validator';
export * from './families';
