import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { CHANGE_IDS, DATA_SCHEMAS, ENVELOPE_SCHEMA, ERROR_CODES } from '@orderbus/core';
import { createLogger } from '@orderbus/observability';
import { SUBSCRIPTION_INPUT_SCHEMA } from '@orderbus/registry';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { readAdminEnv } from '../apps/admin/src/env';
import { createAdminRuntime, type AdminRuntime } from '../apps/admin/src/runtime';
import { readProducerEnv } from '../apps/producer/src/env';
import { createProducerRuntime, type ProducerRuntime } from '../apps/producer/src/runtime';
import { appsOf, openApiDocument, type OrderbusApp } from '../apps/admin/src/openapi/document';
import { registeredRoutes } from '../apps/admin/src/openapi/route-table';
import { startBus, type TestBus } from './support/bus';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/** Routes that are no API: the admin app's `/` redirects a browser to the console. bull-board (`/queues`) is a whole app of its own. */
const NOT_API = new Set(['admin GET /']);

type Doc = Record<string, any>;

/** Validates with @seriousme/openapi-schema-validator (an ES module: run in a child Node process). */
function validateOpenApi(document: Doc): { valid: boolean; version?: string; errors?: unknown } {
  const entry = pathToFileURL(require.resolve('@seriousme/openapi-schema-validator')).href;
  const script = `
    import { Validator } from ${JSON.stringify(entry)};
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(document), encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`validator failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Every `#/...` $ref of the document, with whether it resolves. */
function localRefs(document: Doc): Array<{ ref: string; resolves: boolean }> {
  const refs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else walk(value);
      }
    }
  };
  walk(document);
  return refs.map((ref) => {
    let target: any = document;
    for (const part of ref.replace(/^#\//, '').split('/')) target = target?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return { ref, resolves: ref.startsWith('#/') && target !== undefined };
  });
}

/** "METHOD /path" of every operation the document gives to `app`. */
function documented(document: Doc, app: OrderbusApp): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Doc>)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && appsOf(document, operation).includes(app)) operations.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return operations.sort();
}

function registered(app: Parameters<typeof registeredRoutes>[0], name: OrderbusApp): string[] {
  return [...new Set(registeredRoutes(app).map((r) => `${r.method} ${r.path}`))]
    .filter((r) => !NOT_API.has(`${name} ${r}`) && !/ \/queues(\/|$)/.test(r))
    .sort();
}

describe('OpenAPI document (/openapi.json)', () => {
  const document = openApiDocument() as Doc;
  let redis: TestRedis;
  let admin: AdminRuntime;
  let producer: ProducerRuntime;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = {
      ORDERBUS_REDIS_URL: redis.url,
      ORDERBUS_PREFIX: uniquePrefix(),
      ORDERBUS_ADMIN_TOKENS: 'ops:operator:t1',
      ORDERBUS_PRODUCER_KEYS: 'wo:k1',
      ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1',
    };
    const logger = createLogger({ service: 'test', silent: true });
    admin = createAdminRuntime(readAdminEnv(env), logger);
    producer = createProducerRuntime(readProducerEnv(env), logger);
  });

  afterAll(async () => {
    await admin?.close();
    await producer?.close();
    await redis?.stop();
  });

  it('is a valid OpenAPI 3.1 document', () => {
    const result = validateOpenApi(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.version).toBe('3.1');
    expect(document.openapi).toBe('3.1.0');
  });

  it('resolves every $ref', () => {
    const refs = localRefs(document);
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter((r) => !r.resolves)).toEqual([]);
  });

  it("documents exactly the admin app's routes", () => {
    expect(registered(admin.app, 'admin')).toEqual(documented(document, 'admin'));
  });

  it("documents exactly the producer's routes", () => {
    expect(registered(producer.app, 'producer')).toEqual(documented(document, 'producer'));
    expect(documented(document, 'producer')).toContain('POST /v1/events');
  });

  it('uses the JSON Schemas of the code, not copies that could drift', () => {
    const schemas = document.components.schemas;
    const { $schema: _a, ...envelope } = ENVELOPE_SCHEMA as Record<string, unknown>;
    expect(isDeepStrictEqual(schemas.EventEnvelope, JSON.parse(JSON.stringify(envelope)))).toBe(true);
    expect(isDeepStrictEqual(schemas.SubscriptionInput, JSON.parse(JSON.stringify(SUBSCRIPTION_INPUT_SCHEMA)))).toBe(true);
    for (const id of CHANGE_IDS) {
      const { $schema: _b, ...data } = DATA_SCHEMAS[id] as Record<string, unknown>;
      expect([id, isDeepStrictEqual(schemas[`ChangeData${id}`], JSON.parse(JSON.stringify(data)))]).toEqual([id, true]);
    }
    expect(schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
    expect(document.paths['/v1/subscriptions/{baseCode}'].put.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SubscriptionInput' });
  });

  it('marks every acting admin operation operator-only with a 403, and every /v1 operation authenticated', () => {
    for (const [path, item] of Object.entries(document.paths as Record<string, Doc>)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op || !path.startsWith('/v1/')) continue;
        expect([method, path, op.security?.length]).toEqual([method, path, 1]);
        expect([method, path, op.responses['401']]).toEqual([method, path, expect.anything()]);
        if (appsOf(document, op).includes('admin') && method !== 'get') {
          expect([method, path, op['x-orderbus-role'], op.responses['403']]).toEqual([method, path, 'operator', expect.anything()]);
        }
      }
    }
  });

  describe('served by the admin app', () => {
    let bus: TestBus;
    beforeAll(async () => {
      bus = await startBus({ workers: false, redis });
    });
    afterAll(async () => {
      await bus.close();
    });

    it('without authentication, as JSON', async () => {
      const res = await fetch(`${bus.adminUrl}/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(document)));
    });
  });
});
