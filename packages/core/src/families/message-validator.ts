import type { ValidationMode, ValidationProblem } from '../event';
import { newEventId } from '../event-id';
import { canonicalJson } from '../fingerprint';
import { childPointer, pointerLabel } from '../json-pointer';
import { normaliseKeys } from '../normalise-keys';
import { problemsFromAjv, show, typeName } from '../schema-problems';
import type { JsonSchema } from '../schemas';
import { createHash } from 'node:crypto';
import { DOMAIN_FAMILIES, domainFamilyOfAppType } from './catalogue';
import { compiledFamilySchemas } from './compiled';
import type { DomainEvent, DomainProfile } from './domain-event';
import type { DomainFamily } from './family';
import { DOMAIN_MESSAGE_KEYS, TOPIC_LEVEL_PATTERN } from './message-schema';
import { DATETIME_TEXT_FORMAT, INTEGER_STRING_FORMAT } from './schema';
import { epochToIso } from './timestamps';

export interface DomainMessageValidatorOptions {
  /** `strict` rejects payloads that break the field tables; `compat` accepts them and lists the problems. */
  mode: ValidationMode;
  now?: () => Date;
  /** The id of events of a message without msgId (default: a UUIDv7). */
  newId?: () => string;
}

/** One event of an accepted message. */
export interface ValidatedDomainEvent {
  event: DomainEvent;
  /** sha256 of what the producer sent for this event; same event, same fingerprint. */
  fingerprint: string;
  /** Keys renamed by normalisation, as `"<from> -> <to>"`. */
  renamedKeys: string[];
}

export type DomainMessageOutcome =
  | { ok: true; family: string; msgId?: string; events: ValidatedDomainEvent[] }
  | { ok: false; problems: ValidationProblem[] };

export interface DomainMessageValidator {
  readonly mode: ValidationMode;
  /** Validates one message (parsed JSON) and splits it into events, one per key of `events`. Never throws. */
  validate(input: unknown): DomainMessageOutcome;
}

const topicLevel = new RegExp(TOPIC_LEVEL_PATTERN);

/**
 * The validator of domain-model messages (customer, org...). Like the
 * work-order validator: what routing needs (the message's shape, a known
 * `profile.appType`, known event types, msgId) rejects in both modes; what
 * breaks a family's field table rejects in strict mode and is listed on the
 * events in compat mode. Each key of `events` becomes its own event, with
 * eventId `<msgId>.<type>` (or a generated one) and its own fingerprint.
 */
export function createDomainMessageValidator(options: DomainMessageValidatorOptions): DomainMessageValidator {
  const schemas = compiledFamilySchemas();
  const { mode } = options;
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? newEventId;

  function validate(input: unknown): DomainMessageOutcome {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, problems: [{ path: '', code: 'type', message: `the message must be a JSON object, got ${typeName(input)}` }] };
    }
    const message = input as Record<string, unknown>;
    const blocking: ValidationProblem[] = schemas.message(message) ? [] : familyProblems(problemsFromAjv(schemas.message.errors, ''));
    const profile = message.profile as Record<string, unknown> | undefined;
    const appType = typeof profile?.appType === 'string' ? profile.appType : undefined;
    const family = appType !== undefined ? domainFamilyOfAppType(appType) : undefined;
    if (appType !== undefined && !family) {
      blocking.push({
        path: '/profile/appType',
        code: 'unknown_family',
        message: `profile.appType ${show(appType)} is not an event family orderbus knows (known: ${[...DOMAIN_FAMILIES.keys()].join(', ')})`,
      });
    }
    const events = typeof message.events === 'object' && message.events !== null && !Array.isArray(message.events) ? (message.events as Record<string, unknown>) : {};
    if (!family) return { ok: false, problems: blocking };

    const messageProblems = profileProblems(family, profile ?? {});
    const perEvent: Array<{ type: string; data: Record<string, unknown>; problems: ValidationProblem[]; renames: string[] }> = [];
    for (const [type, value] of Object.entries(events)) {
      const at = childPointer('/events', type);
      const entry = Object.hasOwn(family.types, type) ? family.types[type] : undefined;
      if (!entry) {
        blocking.push({ path: at, code: 'unknown_event_type', message: unknownTypeMessage(family, type) });
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        blocking.push({ path: at, code: 'type', message: `${pointerLabel(at)} must be an object, got ${typeName(value)}` });
        continue;
      }
      const normalised = normaliseKeys(value as Record<string, unknown>, entry.schema as JsonSchema, at);
      const problems: ValidationProblem[] = [];
      for (const problem of normalised.problems) (problem.code === 'too_deep' ? blocking : problems).push(problem);
      const check = schemas.events.get(`${family.family}.${type}`)!;
      if (!check(normalised.data)) problems.push(...familyProblems(problemsFromAjv(check.errors, at)));
      perEvent.push({ type, data: normalised.data, problems, renames: normalised.renames.map((r) => `${r.from} -> ${r.to}`) });
    }

    const dataProblems = [...messageProblems, ...perEvent.flatMap((e) => e.problems)];
    if (mode === 'strict') blocking.push(...dataProblems);
    if (blocking.length > 0) return { ok: false, problems: blocking };

    const acceptedAt = now().toISOString();
    const msgId = typeof message.msgId === 'string' ? message.msgId : undefined;
    const given = {
      profile: profile as unknown as DomainProfile,
      ...(message.reportTs !== undefined ? { reportTs: message.reportTs as number | string } : {}),
      ...(msgId !== undefined ? { msgId } : {}),
      ...(typeof message.tenant === 'string' ? { tenant: message.tenant } : {}),
      ...(message.projectId !== undefined ? { projectId: String(message.projectId) } : {}),
    };
    const validated = perEvent.map(({ type, data, problems, renames }): ValidatedDomainEvent => {
      const entry = family.types[type]!;
      const fromPayload = family.topicVariables(type, data);
      const tenant = given.tenant ?? usableLevel(fromPayload.tenant);
      const projectId = given.projectId ?? usableLevel(fromPayload.projectId);
      const event: DomainEvent = {
        eventId: msgId !== undefined ? `${msgId}.${type}` : newId(),
        family: family.family,
        type,
        data,
        profile: given.profile,
        ...(given.reportTs !== undefined ? { reportTs: given.reportTs } : {}),
        ...(msgId !== undefined ? { msgId } : {}),
        ...(tenant !== undefined ? { tenant } : {}),
        ...(projectId !== undefined ? { projectId } : {}),
        occurredAt: epochToIso(data.eventTs) ?? epochToIso(data.time) ?? epochToIso(given.reportTs) ?? acceptedAt,
        acceptedAt,
      };
      const orderKey = entry.orderKey(data);
      if (orderKey !== undefined) event.orderKey = orderKey;
      if (mode === 'compat') {
        const notes = renames.map((r): ValidationProblem => {
          const [from = '', to = ''] = r.split(' -> ');
          return { path: from, code: 'renamed_key', message: `${pointerLabel(from)} was read as ${pointerLabel(to)} (the field table's spelling)` };
        });
        const all = [...notes, ...messageProblems, ...problems];
        if (all.length > 0) event.problems = all;
      }
      const sent = { family: family.family, type, data, ...given };
      return { event, fingerprint: createHash('sha256').update(canonicalJson(sent)).digest('hex'), renamedKeys: renames };
    });
    return { ok: true, family: family.family, ...(msgId !== undefined ? { msgId } : {}), events: validated };
  }

  return { mode, validate };
}

/** `profile.poiCode`/`modelId` must be the family's (a data problem: the field tables name them). */
function profileProblems(family: DomainFamily, profile: Record<string, unknown>): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (profile.poiCode !== family.profile.poiCode) {
    problems.push({
      path: '/profile/poiCode',
      code: 'enum',
      message: `profile.poiCode must be ${show(family.profile.poiCode)} for ${family.family} events, got ${show(profile.poiCode)}`,
    });
  }
  if (String(profile.modelId) !== String(family.profile.modelId)) {
    problems.push({
      path: '/profile/modelId',
      code: 'enum',
      message: `profile.modelId must be ${family.profile.modelId} for ${family.family} events, got ${show(profile.modelId)}`,
    });
  }
  return problems;
}

function unknownTypeMessage(family: DomainFamily, type: string): string {
  const known = Object.keys(family.types).join(', ');
  if (type.endsWith('_error')) {
    return `events.${type} is an error report: receivers send those with POST /v1/events/{eventId}/errors, not to the producer (${family.family} events: ${known})`;
  }
  return `events.${type} is not an event type of ${family.family} (known: ${known})`;
}

/** A tenant/project from a payload is used in a topic only when it is a clean topic level. */
function usableLevel(value: string | undefined): string | undefined {
  return value !== undefined && topicLevel.test(value) ? value : undefined;
}

/** The generic problem messages, worded for domain messages and the family formats. */
function familyProblems(problems: ValidationProblem[]): ValidationProblem[] {
  return problems.map((p) => {
    if (p.code === 'unknown_field' && !p.path.startsWith('/events/')) {
      return { ...p, message: `${pointerLabel(p.path)} is not a field of a domain-model message (allowed: ${DOMAIN_MESSAGE_KEYS.join(', ')})` };
    }
    if (p.code === 'format') {
      const message = p.message
        .replace(`must be in the format ${INTEGER_STRING_FORMAT}|${DATETIME_TEXT_FORMAT}`, 'must be an epoch time (an integer) or YYYY-MM-DD HH:MM:SS')
        .replace(`must be in the format ${INTEGER_STRING_FORMAT}`, 'must be an integer (a number, or a string of digits)');
      return { ...p, message };
    }
    return p;
  });
}
