import { JSON_SCHEMA_DRAFT, deepFreeze } from '../schemas/common';
import { INTEGER_STRING_FORMAT, type FamilySchema } from './schema';

/** A msgId: short enough that `<msgId>.<type>` is a valid eventId (EVENT_ID_PATTERN, 128 characters). */
export const MSG_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$';
/** A tenant or project id used as an MQTT topic level: no `/`, `+`, `#`. */
export const TOPIC_LEVEL_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

/** The top-level keys a domain-model message may have. */
export const DOMAIN_MESSAGE_KEYS = ['msgId', 'reportTs', 'profile', 'events', 'tenant', 'projectId'] as const;

/**
 * A domain-model message (seed 000/001) as a producer POSTs it:
 * `{msgId?, reportTs?, profile: {poiCode, appType, modelId}, events: {<type>: {...}}}`.
 * orderbus adds the optional `tenant` and `projectId`: the seed's producers
 * put them in the MQTT topic they publish to, which an HTTP POST does not have.
 */
export const DOMAIN_MESSAGE_SCHEMA: FamilySchema = deepFreeze({
  $schema: JSON_SCHEMA_DRAFT,
  title: 'orderbus domain-model message',
  description: 'Customer, org... events as the domain-model producers send them; each key of `events` becomes one orderbus event.',
  type: 'object',
  required: ['profile', 'events'],
  additionalProperties: false,
  properties: {
    msgId: { type: 'string', pattern: MSG_ID_PATTERN, description: 'Unique message id (seed 000: 建议uuid); the events get `<msgId>.<type>` as eventId' },
    reportTs: { type: ['integer', 'string'], format: INTEGER_STRING_FORMAT, description: 'When the message was reported: epoch seconds or milliseconds' },
    profile: {
      type: 'object',
      required: ['poiCode', 'appType', 'modelId'],
      description: 'Which model sent it; appType names the family',
      properties: {
        poiCode: { type: 'string', description: 'Model code (s0140001 customer, s006 org)' },
        appType: { type: 'string', description: 'The family: customer, org' },
        modelId: { type: ['integer', 'string'], format: INTEGER_STRING_FORMAT, description: 'Model id (140001 customer, 6 org)' },
      },
    },
    events: { type: 'object', minProperties: 1, description: 'One or more events, by type (add, edit, delete, change...)' },
    tenant: { type: 'string', pattern: TOPIC_LEVEL_PATTERN, description: 'Tenant (the {tenant} of the seed topics); orderbus addition' },
    projectId: { type: ['string', 'integer'], pattern: TOPIC_LEVEL_PATTERN, description: 'Project (the {projectId} of the seed topics); orderbus addition' },
  } satisfies Record<(typeof DOMAIN_MESSAGE_KEYS)[number], FamilySchema>,
});

/** Whether a request body is a domain-model message rather than a work-order envelope or a batch: it has `profile` and an `events` object. */
export function isDomainMessage(body: unknown): body is Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return 'profile' in record && typeof record.events === 'object' && record.events !== null && !Array.isArray(record.events);
}
