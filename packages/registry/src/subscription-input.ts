import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { TOPIC_LEVEL_PATTERN, ValidationError, eventPatternProblem, type ChangeId, type ValidationProblem } from '@orderbus/core';
import type { SubscriptionChannel, SubscriptionContact, SubscriptionPayload, SubscriptionScope } from './subscription';

/** baseCodes name queues and Redis hash tags: no `:`, `{`, `}` or spaces. */
export const BASE_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$';

/** What a client sends to create or update a subscription. */
export interface SubscriptionInput {
  callbackUrl: string;
  scope?: SubscriptionScope;
  contact: SubscriptionContact;
  systemName?: string;
  /** Per-work-order ordering (default true). */
  ordering?: boolean;
  /** HTTP (default) or MQTT; with MQTT, callbackUrl may be left out (it becomes the broker URL). */
  channel?: ChannelInput;
  /** `full` (default) or `thin`. */
  payload?: SubscriptionPayload;
}

/** The channel as a client sends it: with the MQTT password, which is stored apart. */
export type ChannelInput =
  | { type: 'http' }
  | { type: 'mqtt'; url: string; username?: string; password?: string; tenant?: string; projectId?: string };

/** A validated input: the callback URL resolved, the MQTT password taken out of the channel. */
export type ParsedSubscriptionInput = Omit<SubscriptionInput, 'channel'> &
  Required<Pick<SubscriptionInput, 'scope'>> & {
    /** Absent for HTTP. */
    channel?: Exclude<SubscriptionChannel, { type: 'http' }>;
    /** The MQTT password: a string to store, `''` to remove it, absent to keep what is stored. */
    channelPassword?: string;
  };

/** An event pattern of `scope.events`: `*`, `<family>.*`, `<family>.<type>` (checked against the catalogue after the schema). */
const EVENT_PATTERN = '^(\\*|[a-z][A-Za-z0-9]{0,31}\\.(\\*|[A-Za-z][A-Za-z0-9_.]{0,63}))$';

/** JSON Schema of `PUT /v1/subscriptions/:baseCode` (also used by the OpenAPI document). */
export const SUBSCRIPTION_INPUT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['contact'],
  // callbackUrl is required unless the channel is MQTT (then the broker URL is where deliveries go).
  if: { type: 'object', required: ['channel'], properties: { channel: { type: 'object', required: ['type'], properties: { type: { const: 'mqtt' } } } } },
  else: { required: ['callbackUrl'] },
  properties: {
    callbackUrl: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
    systemName: { type: 'string', minLength: 1, maxLength: 200 },
    ordering: { type: 'boolean' },
    payload: { enum: ['full', 'thin'], description: 'full (default): the event; thin: {eventId, family, type, key, occurredAt}, then GET /v1/events/{eventId}' },
    channel: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { enum: ['http', 'mqtt'] },
        url: { type: 'string', format: 'uri', pattern: '^mqtts?://', maxLength: 2048, description: 'The MQTT broker, mqtt:// or mqtts://' },
        username: { type: 'string', minLength: 1, maxLength: 256 },
        password: { type: 'string', maxLength: 1024, description: 'Stored apart and never shown; "" removes it, absent keeps it' },
        tenant: { type: 'string', pattern: TOPIC_LEVEL_PATTERN, description: '{tenant} of the topics when the event names none' },
        projectId: { type: 'string', pattern: TOPIC_LEVEL_PATTERN, description: '{projectId} of the topics when the event names none' },
      },
      if: { type: 'object', properties: { type: { const: 'mqtt' } } },
      then: { required: ['url'] },
      else: { maxProperties: 1 },
    },
    scope: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dataAreas: {
          oneOf: [
            { const: '*' },
            { type: 'array', minItems: 1, maxItems: 500, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } },
          ],
        },
        changeIds: {
          oneOf: [
            { const: '*' },
            { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 10 } },
          ],
        },
        events: {
          description: 'Event families and types: "*", or "<family>.*" / "<family>.<type>" (customer.add, org.*, workorder.*). Absent: work-order events only.',
          oneOf: [
            { const: '*' },
            { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', pattern: EVENT_PATTERN } },
          ],
        },
      },
    },
    contact: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 },
        email: { type: 'string', format: 'email', maxLength: 320 },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true });
addFormats(ajv, ['uri', 'email']);
const validateInput = ajv.compile(SUBSCRIPTION_INPUT_SCHEMA);
const baseCodeRegex = new RegExp(BASE_CODE_PATTERN);

/** A property name as a JSON Pointer token (RFC 6901: `~` → `~0`, `/` → `~1`); the client chose the name. */
const pointerToken = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

function toProblem(error: ErrorObject): ValidationProblem {
  if (error.keyword === 'required') {
    const field = String((error.params as { missingProperty: string }).missingProperty);
    return { path: `${error.instancePath}/${pointerToken(field)}`, code: 'required', message: `${field} is required.` };
  }
  if (error.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty: string }).additionalProperty);
    return { path: `${error.instancePath}/${pointerToken(field)}`, code: 'unknown_field', message: `${field} is not a known field.` };
  }
  return { path: error.instancePath, code: error.keyword, message: `${error.instancePath || 'body'} ${error.message ?? 'is invalid'}.` };
}

/** Throws a ValidationError listing every problem unless the baseCode and input are valid. */
export function validateBaseCode(baseCode: string): void {
  if (!baseCodeRegex.test(baseCode)) {
    throw new ValidationError(
      [{ path: '/baseCode', code: 'pattern', message: `baseCode must match ${BASE_CODE_PATTERN} (2-64 letters, digits, _ or -).` }],
      'The baseCode is not valid.',
    );
  }
}

/** Validates a subscription input; fills the scope default (`*` / `*`; no `events`: work-order events only). */
export function parseSubscriptionInput(body: unknown): ParsedSubscriptionInput {
  if (!validateInput(body)) {
    // oneOf and if report each branch; keep the most specific problems and drop the summaries.
    const problems = (validateInput.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if').map(toProblem);
    throw new ValidationError(dedupe(problems), 'The subscription is not valid.');
  }
  const input = body as unknown as SubscriptionInput;
  const problems = semanticProblems(input);
  if (problems.length > 0) throw new ValidationError(problems, 'The subscription is not valid.');
  const scope: SubscriptionScope = {
    dataAreas: input.scope?.dataAreas ?? '*',
    changeIds: (input.scope?.changeIds ?? '*') as '*' | ChangeId[],
    ...(input.scope?.events !== undefined ? { events: input.scope.events } : {}),
  };
  const { channel: given, ...rest } = input;
  if (given?.type !== 'mqtt') {
    const { channel: _none, ...http } = { ...rest, scope } as ParsedSubscriptionInput;
    return http;
  }
  const { password, type: _type, ...settings } = given;
  const channel = { type: 'mqtt' as const, ...settings };
  return { ...rest, scope, callbackUrl: given.url, channel, ...(password !== undefined ? { channelPassword: password } : {}) };
}

/** What the schema cannot say: event patterns the catalogue does not know; a callbackUrl that is not the MQTT broker's. */
function semanticProblems(input: SubscriptionInput): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const events = input.scope?.events;
  if (Array.isArray(events)) {
    events.forEach((pattern, index) => {
      const problem = eventPatternProblem(pattern);
      if (problem) problems.push({ path: `/scope/events/${index}`, code: 'unknown_event_type', message: `scope.events[${index}] ${JSON.stringify(pattern)}: ${problem}.` });
    });
  }
  const channel = input.channel;
  if (channel?.type === 'mqtt' && input.callbackUrl !== undefined && input.callbackUrl !== channel.url) {
    problems.push({ path: '/callbackUrl', code: 'not_allowed', message: 'With an MQTT channel, deliveries go to channel.url: leave callbackUrl out (or equal to channel.url).' });
  }
  return problems;
}

function dedupe(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}|${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
