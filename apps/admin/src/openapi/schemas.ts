import { CHANGE_IDS, DATA_SCHEMAS, DOMAIN_MESSAGE_SCHEMA, ENVELOPE_SCHEMA, ERROR_CODES, type JsonSchema } from '@orderbus/core';
import { RECEIVER_ERROR_SCHEMA } from '@orderbus/attempts';
import { BASE_CODE_PATTERN, SUBSCRIPTION_INPUT_SCHEMA, SUBSCRIPTION_STATUSES } from '@orderbus/registry';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const isoTime = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

/**
 * The JSON Schemas of orderbus reused as they are: `$schema` (draft-07) is
 * dropped because the document's dialect is OpenAPI 3.1's; the vocabulary
 * they use is the same in both.
 */
function reuse(schema: JsonSchema | Readonly<Record<string, unknown>>): Schema {
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest)) as Schema;
}

const HEALTH_STATES = ['healthy', 'degraded', 'failing', 'unknown'];

const ATTEMPT: Schema = {
  type: 'object',
  required: ['eventId', 'attemptNumber', 'durationMs', 'resultClass', 'message'],
  properties: {
    eventId: { type: 'string' },
    attemptNumber: { type: 'integer', minimum: 1 },
    startedAt: { description: 'When the attempt started (ISO 8601 or epoch ms).', type: ['string', 'integer'] },
    at: { type: 'string', format: 'date-time', description: 'When the attempt started, as the attempt history names it.' },
    outcome: { type: 'string', enum: ['delivered', 'failed'] },
    deadLettered: { type: 'boolean', description: 'This attempt made the event a dead letter.' },
    durationMs: { type: 'number', minimum: 0 },
    status: { type: 'integer', description: 'HTTP status, when a response arrived.' },
    resultClass: { type: 'string', description: 'ok, http_4xx, http_5xx, timeout, connection_refused, network_error, ...' },
    message: { type: 'string' },
    responseSnippet: { type: 'string', description: 'The first bytes of the response body.' },
    nextRetryAt: { description: 'When the next retry is due, if one is scheduled.', type: ['string', 'integer'] },
  },
};

/** components.schemas of the document. */
export function componentSchemas(): Record<string, Schema> {
  const dataSchemas = Object.fromEntries(CHANGE_IDS.map((id) => [`ChangeData${id}`, reuse(DATA_SCHEMAS[id])]));
  return {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          additionalProperties: true,
          properties: {
            code: { type: 'string', enum: Object.keys(ERROR_CODES) },
            message: { type: 'string' },
            problems: { type: 'array', items: ref('ValidationProblem') },
            handshake: ref('HandshakeResult'),
          },
        },
        requestId: { type: 'string' },
      },
    },
    ValidationProblem: {
      type: 'object',
      required: ['path', 'code', 'message'],
      properties: { path: { type: 'string', description: 'JSON Pointer into the request.' }, code: { type: 'string' }, message: { type: 'string' } },
    },
    HandshakeResult: {
      type: 'object',
      required: ['resultClass', 'message', 'durationMs'],
      properties: { status: { type: 'integer' }, resultClass: { type: 'string' }, message: { type: 'string' }, durationMs: { type: 'number' } },
    },
    EventEnvelope: reuse(ENVELOPE_SCHEMA),
    ...dataSchemas,
    /** The envelope with `data` checked against the schema of its changeId. */
    WorkOrderEvent: {
      description: 'An event envelope whose data (an object, or a JSON string of one) follows the schema of its changeId.',
      allOf: [
        ref('EventEnvelope'),
        ...CHANGE_IDS.map((id) => ({
          if: { required: ['changeId'], properties: { changeId: { enum: [id, String(id)] } } },
          then: { properties: { data: { anyOf: [ref(`ChangeData${id}`), { type: 'string' }, { type: 'null' }] } } },
        })),
      ],
    },
    EventReceipt: {
      type: 'object',
      required: ['eventId', 'duplicate', 'queuedFor'],
      properties: {
        eventId: { type: 'string' },
        duplicate: { type: 'boolean', description: 'The eventId was accepted before; nothing was queued again.' },
        queuedFor: { type: 'integer', minimum: 0, description: 'Subscriptions the event was queued for.' },
      },
    },
    DomainMessage: reuse(DOMAIN_MESSAGE_SCHEMA as Readonly<Record<string, unknown>>),
    MessageReceipt: {
      type: 'object',
      required: ['family', 'events'],
      description: 'The answer for a domain-model message: one receipt per key of its events.',
      properties: {
        family: { type: 'string' },
        msgId: { type: 'string' },
        events: { type: 'array', items: { allOf: [ref('EventReceipt'), { type: 'object', required: ['type'], properties: { type: { type: 'string' } } }] } },
      },
    },
    ReceiverErrorReport: reuse(RECEIVER_ERROR_SCHEMA),
    FeedbackRecord: {
      type: 'object',
      required: ['at', 'baseCode', 'eventId', 'family', 'type', 'status', 'code', 'msg'],
      properties: {
        at: isoTime('When orderbus received the report.'),
        baseCode: { type: 'string' },
        eventId: { type: 'string' },
        family: { type: 'string' },
        type: { type: 'string' },
        status: { type: 'string' },
        code: { type: 'integer' },
        msg: { type: 'string' },
        items: { type: 'array' },
        itemsTruncated: { type: 'boolean' },
        receiverErrors: { type: 'integer', description: 'In the answer to a report: the subscription\'s count since its health was last reset.' },
      },
    },
    FeedbackList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('FeedbackRecord') } } },
    SubscriptionInput: reuse(SUBSCRIPTION_INPUT_SCHEMA),
    Subscription: {
      type: 'object',
      required: ['baseCode', 'callbackUrl', 'scope', 'contact', 'status', 'statusChangedBy', 'statusReason', 'statusChangedAt', 'createdAt', 'updatedAt', 'revision'],
      properties: {
        baseCode: { type: 'string', pattern: BASE_CODE_PATTERN },
        systemName: { type: 'string' },
        callbackUrl: { type: 'string', format: 'uri' },
        scope: reuse(SUBSCRIPTION_INPUT_SCHEMA.properties.scope),
        contact: reuse(SUBSCRIPTION_INPUT_SCHEMA.properties.contact),
        status: { type: 'string', enum: [...SUBSCRIPTION_STATUSES] },
        statusChangedBy: { type: 'string' },
        statusReason: { type: 'string' },
        statusChangedAt: isoTime('When the status last changed.'),
        createdAt: isoTime('When the subscription was registered.'),
        updatedAt: isoTime('When it last changed.'),
        revision: { type: 'integer', minimum: 1 },
      },
    },
    CreatedSubscription: {
      allOf: [
        ref('Subscription'),
        { type: 'object', required: ['signingSecret'], properties: { signingSecret: { type: 'string', description: 'whsec_...; shown once, on creation.' } } },
      ],
    },
    SubscriptionPage: page(ref('Subscription')),
    Health: {
      type: 'object',
      required: ['state', 'successRate', 'consecutiveFailures', 'window'],
      properties: {
        state: { type: 'string', enum: HEALTH_STATES },
        successRate: { type: 'number', minimum: 0, maximum: 1 },
        consecutiveFailures: { type: 'integer', minimum: 0 },
        failingSince: isoTime('First failure of the current run of failures.'),
        lastError: { type: 'object', additionalProperties: true, description: 'The last failed attempt.' },
        lastSuccessAt: isoTime('Last delivered attempt.'),
        p50Ms: { type: 'number' },
        p99Ms: { type: 'number' },
        receiverErrors: { type: 'integer', minimum: 0, description: 'Errors the receiver reported about accepted events since the health was last reset.' },
        lastReceiverErrorAt: isoTime('The last one.'),
        window: { description: 'The rolling window the rate is computed over (attempts).', type: ['integer', 'string', 'object'] },
      },
    },
    HealthHistory: {
      type: 'object',
      required: ['items'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['at', 'successRate', 'attempts', 'failures'],
            properties: {
              at: isoTime('Start of the minute.'),
              successRate: { type: 'number' },
              attempts: { type: 'integer' },
              failures: { type: 'integer' },
              p50Ms: { type: 'number' },
              p99Ms: { type: 'number' },
              state: { type: 'string', enum: HEALTH_STATES },
            },
          },
        },
      },
    },
    StatusHistory: {
      type: 'object',
      required: ['items'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['at', 'status', 'by', 'reason'],
            properties: { at: isoTime('When.'), status: { type: 'string', enum: ['created', ...SUBSCRIPTION_STATUSES] }, by: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
    },
    Attempt: ATTEMPT,
    AttemptPage: page(ref('Attempt')),
    DeadLetter: {
      type: 'object',
      required: ['eventId', 'failedAt', 'attempts'],
      properties: {
        eventId: { type: 'string' },
        changeId: { type: ['integer', 'string'] },
        dataArea: { type: 'string' },
        orderKey: { type: 'string', description: 'serviceOrderId of the work order.' },
        failedAt: { description: 'When it became a dead letter.', type: ['string', 'integer'] },
        attempts: { type: 'integer' },
        lastError: { type: 'string' },
        resultClass: { type: 'string' },
      },
    },
    DeadLetterPage: page(ref('DeadLetter')),
    EventDeliveries: {
      type: 'object',
      required: ['eventId', 'deliveries'],
      properties: {
        eventId: { type: 'string' },
        event: { type: 'object', additionalProperties: true, description: 'The event as accepted.' },
        deliveries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['baseCode', 'state', 'attempts'],
            properties: {
              baseCode: { type: 'string' },
              state: { type: 'string' },
              attempts: { type: 'array', items: ATTEMPT },
              feedback: { type: 'array', items: ref('FeedbackRecord'), description: 'Errors the receiver reported about this event, newest first (absent when none).' },
            },
          },
        },
      },
    },
    EventDeliveriesList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('EventDeliveries') }, next: { type: 'string' } } },
    QueueStats: {
      type: 'object',
      required: ['waiting', 'active', 'delayed', 'deadLetters', 'completed', 'paused', 'oldestWaitingAgeMs'],
      properties: {
        waiting: { type: 'integer', minimum: 0, description: 'Jobs ready for delivery.' },
        active: { type: 'integer', minimum: 0, description: 'Deliveries in flight.' },
        delayed: { type: 'integer', minimum: 0, description: 'Retries scheduled for later.' },
        deadLetters: { type: 'integer', minimum: 0 },
        completed: { type: 'integer', minimum: 0, description: 'Delivered jobs still kept (trimmed by age and count).' },
        paused: { type: 'boolean' },
        oldestWaitingAgeMs: { type: 'integer', minimum: 0 },
      },
    },
    AuditEntry: {
      type: 'object',
      required: ['id', 'at', 'actor', 'role', 'method', 'path', 'status', 'requestId'],
      properties: {
        id: { type: 'string', description: 'Entry id; the cursor for `after`.' },
        at: isoTime('When the call ended.'),
        actor: { type: 'string', description: 'Name of the admin token.' },
        role: { type: 'string', enum: ['viewer', 'operator', 'owner'], description: 'owner: a subscriber system with a registration credential.' },
        method: { type: 'string', enum: ['POST', 'PUT', 'PATCH', 'DELETE'] },
        path: { type: 'string' },
        baseCode: { type: 'string' },
        status: { type: 'integer' },
        errorCode: { type: 'string' },
        requestId: { type: 'string' },
      },
    },
    AuditPage: page(ref('AuditEntry')),
    DeliveryStats: {
      type: 'object',
      required: ['since', 'minutes', 'buckets', 'totals', 'sampled'],
      properties: {
        since: isoTime('Start of the first minute.'),
        minutes: { type: 'integer' },
        sampled: { type: 'boolean', description: 'Some queue had more finished jobs than are read; counts are lower bounds.' },
        buckets: {
          type: 'array',
          items: {
            type: 'object',
            required: ['at', 'delivered', 'deadLettered'],
            properties: {
              at: isoTime('Start of the minute.'),
              delivered: { type: 'integer' },
              deadLettered: { type: 'integer' },
              p50Ms: { type: 'number', description: 'Accepted-to-delivered time, median.' },
              p99Ms: { type: 'number' },
              attemptP50Ms: { type: 'number', description: 'Duration of the successful attempt, median.' },
            },
          },
        },
        totals: {
          type: 'object',
          required: ['delivered', 'deadLettered', 'waiting', 'active', 'delayed', 'deadLetters'],
          properties: Object.fromEntries(['delivered', 'deadLettered', 'waiting', 'active', 'delayed', 'deadLetters'].map((k) => [k, { type: 'integer' }])),
        },
      },
    },
    Principal: { type: 'object', required: ['name', 'role'], properties: { name: { type: 'string' }, role: { type: 'string', enum: ['viewer', 'operator'] } } },
  };
}

function page(item: Schema): Schema {
  return {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: item }, next: { type: 'string', description: 'Pass as `after` for the next page; absent on the last.' } },
  };
}
