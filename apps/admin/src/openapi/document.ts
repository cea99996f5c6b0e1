import { BASE_CODE_PATTERN, SUBSCRIPTION_STATUSES } from '@orderbus/registry';
import { DATA_AREA_PATTERN, EVENT_ID_PATTERN } from '@orderbus/core';
import { componentSchemas } from './schemas';

type Obj = Record<string, unknown>;

/** Which app serves an operation; the route test compares each app with its operations. */
export type OrderbusApp = 'admin' | 'producer';

export const ADMIN_SERVER = { url: 'http://localhost:8081', description: 'Admin API (apps/admin)', 'x-orderbus-app': 'admin' };
export const PRODUCER_SERVER = { url: 'http://localhost:8080', description: 'Producer, the ingest API (apps/producer)', 'x-orderbus-app': 'producer' };

const ref = (name: string): Obj => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Obj, description: string): Obj => ({ description, content: { 'application/json': { schema } } });
const problem = (description: string): Obj => ({ $ref: `#/components/responses/${description}` });

const baseCode: Obj = { $ref: '#/components/parameters/baseCode' };
const eventId: Obj = { $ref: '#/components/parameters/eventId' };
const limit: Obj = { $ref: '#/components/parameters/limit' };
const after: Obj = { $ref: '#/components/parameters/after' };

const ADMIN_AUTH = [{ adminToken: [] }];

/** A read of the admin API (viewer or operator). */
function read(summary: string, ok: Obj, options: { tags: string[]; parameters?: Obj[]; description?: string; notFound?: boolean }): Obj {
  return {
    summary,
    ...(options.description ? { description: options.description } : {}),
    tags: options.tags,
    security: ADMIN_AUTH,
    'x-orderbus-role': 'viewer',
    parameters: options.parameters ?? [],
    responses: {
      '200': ok,
      '400': problem('BadRequest'),
      '401': problem('Unauthorized'),
      ...(options.notFound === false ? {} : { '404': problem('NotFound') }),
    },
  };
}

/** An action of the admin API (operator only; audited). */
function act(summary: string, responses: Obj, options: { tags: string[]; parameters?: Obj[]; body?: Obj; description?: string }): Obj {
  return {
    summary,
    description: `${options.description ? `${options.description}\n\n` : ''}Operator only; recorded in the audit log.`,
    tags: options.tags,
    security: ADMIN_AUTH,
    'x-orderbus-role': 'operator',
    parameters: options.parameters ?? [],
    ...(options.body ? { requestBody: { required: false, content: { 'application/json': { schema: options.body } } } } : {}),
    responses: {
      ...responses,
      '400': problem('BadRequest'),
      '401': problem('Unauthorized'),
      '403': problem('Forbidden'),
      '404': problem('NotFound'),
    },
  };
}

function probe(summary: string, response: Obj): Obj {
  return { summary, tags: ['probes'], security: [], servers: [ADMIN_SERVER, PRODUCER_SERVER], responses: { ...response } };
}

const reasonBody = (extra: Obj = {}): Obj => ({
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 500, description: 'Why; recorded on the subscription.' }, ...extra },
});

/**
 * The OpenAPI 3.1 document of orderbus's HTTP APIs: the admin API and the
 * producer's ingest endpoint. Schemas come from the code (the registry's
 * subscription input, the core's envelope and per-changeId data schemas).
 * Served at `/openapi.json` by the admin app; a test checks it against the
 * routes the apps register.
 */
export function openApiDocument(): Obj {
  const subscriptions = ['subscriptions'];
  const health = ['health'];
  const deliveries = ['deliveries'];
  const queues = ['queues'];
  return {
    openapi: '3.1.0',
    info: {
      title: 'orderbus',
      version: '0.1.0',
      summary: 'A durable event bus for work-order systems.',
      description:
        'The producer accepts work-order events (`POST /v1/events`) and fans each out to one queue per matching subscription; ' +
        'the worker delivers them. The admin API registers and operates subscriptions. Every `/v1` call takes ' +
        '`Authorization: Bearer <token>`; admin tokens are `viewer` (reads) or `operator` (reads and acts). Errors are ' +
        '`{error: {code, message, ...}, requestId}`; lists are `{items, next}` paged with `?limit=&after=`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [ADMIN_SERVER],
    tags: [
      { name: 'events', description: 'Ingest and event lookup' },
      { name: 'subscriptions', description: 'Registration and lifecycle' },
      { name: 'health', description: 'Delivery health of a subscription' },
      { name: 'deliveries', description: 'Attempts and dead letters' },
      { name: 'queues', description: 'Subscription queues' },
      { name: 'audit', description: 'Who did what' },
      { name: 'console', description: 'The web console session' },
      { name: 'probes', description: 'Liveness, readiness, metrics' },
    ],
    paths: {
      '/healthz': { get: probe('The process is alive', { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }, 'Alive') }) },
      '/readyz': {
        get: probe('Redis answers', {
          '200': json({ type: 'object', properties: { status: { const: 'ready' } } }, 'Ready'),
          '503': json({ type: 'object', properties: { status: { const: 'not_ready' } } }, 'Not ready'),
        }),
      },
      '/metrics': { get: probe('Prometheus metrics', { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } }) },
      '/openapi.json': {
        get: { summary: 'This document', tags: ['probes'], security: [], responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1 document') } },
      },
      '/console/login': {
        post: {
          summary: 'Log in to the web console',
          description:
            'Checks an admin token and sets the HttpOnly, SameSite=Strict session cookie that authenticates the queue board (`/queues`). ' +
            'The `/v1` API does not read the cookie: the console sends the bearer header from memory.',
          tags: ['console'],
          security: [],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } } } } },
          },
          responses: {
            '200': { ...json(ref('Principal'), 'Logged in; the session cookie is set'), headers: { 'Set-Cookie': { schema: { type: 'string' } } } },
            '400': problem('BadRequest'),
            '401': problem('Unauthorized'),
          },
        },
      },
      '/console/logout': {
        post: { summary: 'Log out of the web console (clears the cookie)', tags: ['console'], security: [], responses: { '204': { description: 'Logged out' } } },
      },
      '/v1/events': {
        post: {
          summary: 'Send one event or a batch',
          description:
            'Validates, deduplicates by eventId and queues each event for every enabled subscription whose scope matches. ' +
            '202 only once every event is in every matching queue; a batch is accepted or rejected as a whole (one invalid event rejects it). Each event is in all its queues or none, and a batch is written in order: if the producer fails mid-batch, a first part of it may be queued, and resending it with the same eventIds completes it without duplicates.',
          tags: ['events'],
          servers: [PRODUCER_SERVER],
          security: [{ producerKey: [] }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    ref('WorkOrderEvent'),
                    ref('DomainMessage'),
                    {
                      type: 'object',
                      required: ['events'],
                      additionalProperties: false,
                      properties: { events: { type: 'array', minItems: 1, items: { anyOf: [ref('WorkOrderEvent'), ref('DomainMessage')] } } },
                    },
                  ],
                },
              },
            },
          },
          responses: {
            '202': json(
              {
                oneOf: [
                  ref('EventReceipt'),
                  ref('MessageReceipt'),
                  { type: 'object', required: ['events'], properties: { events: { type: 'array', items: { anyOf: [ref('EventReceipt'), ref('MessageReceipt')] } } } },
                ],
              },
              'Accepted and queued (or a duplicate of an earlier one)',
            ),
            '400': problem('BadRequest'),
            '401': problem('Unauthorized'),
            '409': problem('Conflict'),
            '413': problem('PayloadTooLarge'),
            '415': problem('UnsupportedMediaType'),
            '422': problem('ValidationFailed'),
            '503': problem('Unavailable'),
          },
        },
        get: read('The events of a work order, with their deliveries', json(ref('EventDeliveriesList'), 'Events of the work order'), {
          tags: ['events'],
          notFound: false,
          parameters: [{ name: 'serviceOrderId', in: 'query', required: true, schema: { type: 'string', minLength: 1 }, description: 'The work order (data.serviceOrderId).' }, limit, after],
        }),
      },
      '/v1/events/{eventId}': {
        get: read(
          'An event and its delivery to every subscription, attempt by attempt; for a receiver, the pull of an event it was notified of',
          json({ oneOf: [ref('EventDeliveries'), { type: 'object', additionalProperties: true, description: 'The full delivery body (with a registration credential)' }] }, 'The event'),
          {
            tags: ['events'],
            parameters: [eventId],
            description:
              'With an admin token: the event and its deliveries, attempts and receivers\' error reports. With a registration credential (a thin subscription pulling): ' +
              'the event as a full delivery to that subscription would carry it, only if its subscription was queued the event; 404 otherwise.',
          },
        ),
      },
      '/v1/events/{eventId}/errors': {
        post: act(
          'Report that an accepted event could not be processed (receiver error feedback)',
          { '201': json(ref('FeedbackRecord'), 'Stored; counted in the subscription\'s health'), '422': problem('ValidationFailed') },
          {
            tags: ['events'],
            parameters: [eventId, { name: 'baseCode', in: 'query', schema: { type: 'string', pattern: BASE_CODE_PATTERN }, description: 'Operators only: the subscription reporting.' }],
            body: ref('ReceiverErrorReport'),
            description:
              'Seed 000\'s error feedback: a receiver that accepted a delivery but failed to process it reports status, code, msg and the failed items, ' +
              'with its registration credential (only for events its subscription was queued). The report is kept with the event, counted in the ' +
              'subscription\'s health and metrics, and e-mailed to the contact (throttled).',
          },
        ),
      },
      '/v1/subscriptions': {
        get: read('List subscriptions', json(ref('SubscriptionPage'), 'Subscriptions by baseCode'), {
          tags: subscriptions,
          notFound: false,
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: [...SUBSCRIPTION_STATUSES] } },
            { name: 'health', in: 'query', schema: { type: 'string', enum: ['healthy', 'degraded', 'failing', 'unknown'] } },
            { name: 'dataArea', in: 'query', schema: { type: 'string', pattern: DATA_AREA_PATTERN }, description: 'Only subscriptions whose scope includes this dataArea.' },
            limit,
            after,
          ],
        }),
      },
      '/v1/subscriptions/{baseCode}': {
        get: read('A subscription', json(ref('Subscription'), 'The subscription'), { tags: subscriptions, parameters: [baseCode] }),
        put: {
          ...act(
            'Register or update a subscription',
            {
              '200': json(ref('Subscription'), 'Updated'),
              '201': json(ref('CreatedSubscription'), 'Created (disabled); the signing secret is shown this once'),
              '415': problem('UnsupportedMediaType'),
              '422': problem('ValidationFailed'),
            },
            { tags: subscriptions, parameters: [baseCode] },
          ),
          requestBody: { required: true, content: { 'application/json': { schema: ref('SubscriptionInput') } } },
        },
        delete: act('Delete a subscription and its queue', { '204': { description: 'Deleted' } }, { tags: subscriptions, parameters: [baseCode] }),
      },
      '/v1/subscriptions/{baseCode}/enable': {
        post: act(
          'Enable a subscription (after a connect handshake with its callback)',
          { '200': json(ref('Subscription'), 'Enabled'), '502': problem('HandshakeFailed') },
          { tags: subscriptions, parameters: [baseCode], body: reasonBody({ discardBacklog: { type: 'boolean', description: 'Drop what queued while auto-disabled.' } }) },
        ),
      },
      '/v1/subscriptions/{baseCode}/disable': {
        post: act('Disable a subscription', { '200': json(ref('Subscription'), 'Disabled') }, { tags: subscriptions, parameters: [baseCode], body: reasonBody() }),
      },
      '/v1/subscriptions/{baseCode}/rotate-secret': {
        post: act(
          'Rotate the signing secret (the old one stays valid for a while)',
          {
            '200': json(
              { type: 'object', required: ['signingSecret', 'previousSecretExpiresAt'], properties: { signingSecret: { type: 'string' }, previousSecretExpiresAt: { type: 'string', format: 'date-time' } } },
              'The new secret, shown this once',
            ),
          },
          { tags: subscriptions, parameters: [baseCode] },
        ),
      },
      '/v1/subscriptions/{baseCode}/status-history': {
        get: read('Status changes of a subscription, newest first', json(ref('StatusHistory'), 'Status changes'), { tags: subscriptions, parameters: [baseCode] }),
      },
      '/v1/subscriptions/{baseCode}/credentials': {
        post: act(
          "Issue a registration credential for the subscriber system (it may then manage its own baseCode)",
          {
            '201': json(
              { type: 'object', required: ['baseCode', 'id', 'credential'], properties: { baseCode: { type: 'string' }, id: { type: 'string' }, credential: { type: 'string', description: 'obr_<baseCode>.<secret>; shown once.' } } },
              'The credential, shown this once',
            ),
          },
          { tags: subscriptions, parameters: [baseCode], description: 'Works before the subscription exists: the owner may register it.' },
        ),
        delete: act('Revoke every registration credential of a baseCode', { '204': { description: 'Revoked' } }, { tags: subscriptions, parameters: [baseCode] }),
      },
      '/v1/subscriptions/{baseCode}/health': {
        get: read('Delivery health now', json(ref('Health'), 'Health'), { tags: health, parameters: [baseCode] }),
      },
      '/v1/subscriptions/{baseCode}/health/history': {
        get: read('Delivery health per minute', json(ref('HealthHistory'), 'One bucket per minute'), {
          tags: health,
          parameters: [baseCode, { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'Start of the history (default: the last hours).' }],
        }),
      },
      '/v1/subscriptions/{baseCode}/feedback': {
        get: read('Errors the receiver reported about accepted events, newest first', json(ref('FeedbackList'), 'Reports'), { tags: deliveries, parameters: [baseCode, limit] }),
      },
      '/v1/subscriptions/{baseCode}/attempts': {
        get: read('Recent delivery attempts, newest first', json(ref('AttemptPage'), 'Attempts'), { tags: deliveries, parameters: [baseCode, limit, after] }),
      },
      '/v1/subscriptions/{baseCode}/dead-letters': {
        get: read('Dead letters: events that used up their attempts', json(ref('DeadLetterPage'), 'Dead letters'), { tags: deliveries, parameters: [baseCode, limit, after] }),
      },
      '/v1/subscriptions/{baseCode}/dead-letters/replay': {
        post: act(
          'Replay every dead letter (or those failed since a time)',
          { '200': json({ type: 'object', required: ['replayed'], properties: { replayed: { type: 'integer' } } }, 'Queued again') },
          { tags: deliveries, parameters: [baseCode], body: { type: 'object', additionalProperties: false, properties: { since: { type: 'string', format: 'date-time' } } } },
        ),
      },
      '/v1/subscriptions/{baseCode}/dead-letters/{eventId}': {
        delete: act('Discard a dead letter', { '204': { description: 'Discarded' } }, { tags: deliveries, parameters: [baseCode, eventId] }),
      },
      '/v1/subscriptions/{baseCode}/dead-letters/{eventId}/replay': {
        post: act(
          'Replay one dead letter',
          { '202': json({ type: 'object', required: ['replayed'], properties: { replayed: { type: ['boolean', 'integer', 'string'] } } }, 'Queued again') },
          { tags: deliveries, parameters: [baseCode, eventId] },
        ),
      },
      '/v1/subscriptions/{baseCode}/queue': {
        get: read('The subscription queue: counts, paused, oldest waiting job', json(ref('QueueStats'), 'Queue state'), { tags: queues, parameters: [baseCode] }),
      },
      '/v1/subscriptions/{baseCode}/pause': {
        post: act('Pause the subscription queue (events keep being queued; nothing is delivered)', { '200': json(ref('QueueStats'), 'Paused') }, { tags: queues, parameters: [baseCode] }),
      },
      '/v1/subscriptions/{baseCode}/resume': {
        post: act('Resume the subscription queue', { '200': json(ref('QueueStats'), 'Resumed') }, { tags: queues, parameters: [baseCode] }),
      },
      '/v1/stats/deliveries': {
        get: read('Deliveries, dead letters and latency per minute, and the backlog now', json(ref('DeliveryStats'), 'Statistics'), {
          tags: queues,
          parameters: [
            { name: 'minutes', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 180, default: 15 } },
            { name: 'baseCode', in: 'query', schema: { type: 'string', pattern: BASE_CODE_PATTERN }, description: 'One subscription only.' },
          ],
        }),
      },
      '/v1/audit': {
        get: read('The audit log: every acting call, newest first', json(ref('AuditPage'), 'Audit entries'), { tags: ['audit'], notFound: false, parameters: [limit, after] }),
      },
    },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'An admin token (ORDERBUS_ADMIN_TOKENS): viewer or operator; or a registration credential (obr_...), which reaches its own baseCode only.' },
        producerKey: { type: 'http', scheme: 'bearer', description: 'A producer key (ORDERBUS_PRODUCER_KEYS).' },
      },
      parameters: {
        baseCode: { name: 'baseCode', in: 'path', required: true, schema: { type: 'string', pattern: BASE_CODE_PATTERN }, description: 'The subscribing system.' },
        eventId: { name: 'eventId', in: 'path', required: true, schema: { type: 'string', pattern: EVENT_ID_PATTERN } },
        limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        after: { name: 'after', in: 'query', schema: { type: 'string' }, description: 'The `next` of the previous page.' },
      },
      responses: Object.fromEntries(
        [
          ['BadRequest', 'A parameter or the body is malformed (bad_request, malformed_json)'],
          ['Unauthorized', 'Missing or wrong token (unauthorized)'],
          ['Forbidden', 'A viewer token tried to act (forbidden)'],
          ['NotFound', 'No such subscription, event or route (not_found)'],
          ['Conflict', 'event_conflict or state_conflict'],
          ['PayloadTooLarge', 'The body or batch is too large (payload_too_large)'],
          ['UnsupportedMediaType', 'Content-Type is not application/json (unsupported_media_type)'],
          ['ValidationFailed', 'The input breaks the schema; every problem is listed (validation_failed)'],
          ['HandshakeFailed', 'The callback refused the connect request; error.handshake tells how (handshake_failed)'],
          ['Unavailable', 'Redis is unreachable (unavailable)'],
        ].map(([name, description]) => [name!, json(ref('Error'), description!)]),
      ),
      schemas: componentSchemas(),
    },
  };
}

/** Which apps serve an operation, from its (or the document's) servers. */
export function appsOf(document: Obj, operation: Obj): OrderbusApp[] {
  const servers = (operation.servers ?? document.servers) as Array<{ 'x-orderbus-app': OrderbusApp }>;
  return servers.map((s) => s['x-orderbus-app']);
}
