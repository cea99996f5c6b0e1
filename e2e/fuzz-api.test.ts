import { Agent, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { ERROR_CODES } from '@orderbus/core';
import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { OPERATOR_TOKEN, PRODUCER_KEY, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { report } from './support/load';

// Bad input gets a precise error and changes nothing (docs/faults.md): fast-check throws random
// and hostile requests at the producer and the admin API over raw HTTP (so bodies can hold bytes
// that are not UTF-8). For every request: never a 5xx, an error is {error: {code, message}} with a
// documented code and its status, a 422 lists every problem with a JSON path, and a rejected
// request writes nothing to Redis (keyspace notifications are watched; the admin's audit log,
// which records refused actions on purpose, excepted).

/** Fixed by default so a run is reproducible; ORDERBUS_FUZZ_SEED / ORDERBUS_FUZZ_SCALE explore further. */
const SEED = Number(process.env.ORDERBUS_FUZZ_SEED ?? 20251123);
const SCALE = Number(process.env.ORDERBUS_FUZZ_SCALE ?? 1);
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));
const MAX_BODY = 64 * 1024;
const MAX_BATCH = 20;

jest.setTimeout(300_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One request over node:http: any bytes as body, any headers. */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.end(body);
  });
}

/**
 * Redis writes seen through keyspace notifications. `settle()` writes a marker
 * and waits for its notification: every write made before it has been seen.
 */
class WriteWatcher {
  private readonly subscriber: Redis;
  private readonly client: Redis;
  private written: string[] = [];
  private markers = 0;
  private marked = 0;
  private readonly marker: string;

  constructor(url: string, prefix: string) {
    this.client = new Redis(url);
    this.subscriber = new Redis(url);
    this.marker = `${prefix}:fuzz-marker`;
    this.subscriber.on('pmessage', (_pattern: string, _channel: string, key: string) => {
      if (key === this.marker) this.markers += 1;
      else this.written.push(key);
    });
  }

  async start(): Promise<void> {
    await this.client.config('SET', 'notify-keyspace-events', 'EA');
    await this.subscriber.psubscribe('__keyevent@*__:*');
    await this.settle();
  }

  /** The keys written since the last settle. */
  async settle(): Promise<string[]> {
    this.marked += 1;
    const want = this.marked;
    await this.client.set(this.marker, String(want));
    await waitUntil(() => this.markers >= want, { timeoutMs: 10_000, intervalMs: 1, description: 'the keyspace notification of the marker' });
    const out = this.written;
    this.written = [];
    return out.filter((k) => k !== this.marker);
  }

  close(): void {
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}

const JSON_POINTER = /^(\/([^~/]|~[01])*)*$/;
const stats = { cases: 0, byStatus: new Map<number, number>() };

/** The checks every answer must pass; `writes` are the Redis keys the request wrote. */
function expectPreciseAnswer(what: string, answer: Answer, writes: string[], allowedWrites: (key: string) => boolean = () => false): void {
  stats.cases += 1;
  stats.byStatus.set(answer.status, (stats.byStatus.get(answer.status) ?? 0) + 1);
  const context = `${what} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500) throw new Error(`5xx: ${context}`);
  if (answer.status < 400) return;
  const error = answer.json?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') throw new Error(`not the error format: ${context}`);
  const known = (ERROR_CODES as Record<string, { status: number }>)[error.code];
  if (!known || known.status !== answer.status) throw new Error(`undocumented code or wrong status: ${context}`);
  if (answer.status === 422) {
    const problems = error.problems as Array<{ path?: unknown; code?: unknown; message?: unknown }> | undefined;
    if (!Array.isArray(problems) || problems.length === 0) throw new Error(`422 without problems: ${context}`);
    for (const p of problems) {
      if (typeof p.path !== 'string' || !JSON_POINTER.test(p.path) || typeof p.code !== 'string' || typeof p.message !== 'string') {
        throw new Error(`a problem without a JSON path, code or message: ${JSON.stringify(p)} in ${context}`);
      }
    }
  }
  const unexpected = writes.filter((k) => !allowedWrites(k));
  if (unexpected.length > 0) throw new Error(`a rejected request wrote to Redis (${unexpected.slice(0, 5).join(', ')}): ${context}`);
}

// ---- arbitraries -------------------------------------------------------------------------

/** Keys that try to reach an object's prototype. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '__defineGetter__'];

const anyJson = fc.jsonValue({ maxDepth: 4 });
const wrongValue = fc.oneof(
  anyJson,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '0', '11', '8', 'fwwt', [], {}, [[]], { $ref: '#' }),
  fc.string({ maxLength: 80, unit: 'binary' }),
  fc.integer(),
);

/** A valid envelope with one field replaced, removed or added. */
const mutatedEvent = fc
  .record({
    changeId: fc.integer({ min: 1, max: 10 }).filter((c) => c !== 8),
    path: fc.constantFrom('eventId', 'dataArea', 'changeId', 'data', 'occurredAt', 'baseCode', 'data.serviceOrderId', 'data.trackId', 'extra', 'data.extra'),
    action: fc.constantFrom('set', 'delete'),
    value: wrongValue,
  })
  .map(({ changeId, path, action, value }) => {
    const event = workOrderEvent({ changeId });
    const [head, tail] = path.split('.') as [string, string | undefined];
    const target = tail ? (event.data as Record<string, unknown>) : event;
    const key = tail ?? head;
    if (action === 'delete') delete target[key];
    else target[key] = value;
    return event;
  });

/** Splices a raw member (`"key": value`) into the first object of a JSON text: how `__proto__` arrives as an own key. */
function withRawMember(json: string, key: string, value: string): string {
  return json.replace('{', `{${JSON.stringify(key)}:${value},`);
}

/** Hostile bodies: deep nesting, huge strings, invalid UTF-8, prototype keys, numbers JSON.parse chokes on. */
const hostileBody: fc.Arbitrary<{ label: string; body: Buffer }> = fc.oneof(
  fc.record({ depth: fc.integer({ min: 1, max: 30_000 }), kind: fc.constantFrom('array', 'object', 'data') }).map(({ depth, kind }) => {
    if (kind === 'array') return { label: `array nested ${depth}`, body: Buffer.from('['.repeat(depth) + ']'.repeat(depth)) };
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    if (kind === 'object') return { label: `object nested ${depth}`, body: Buffer.from(nested) };
    return { label: `data nested ${depth}`, body: Buffer.from(JSON.stringify({ ...workOrderEvent(), data: '__DATA__' }).replace('"__DATA__"', nested)) };
  }),
  fc.record({ size: fc.integer({ min: 1, max: 2 * MAX_BODY }), where: fc.constantFrom('dataArea', 'eventId', 'remark', 'key') }).map(({ size, where }) => {
    const event = workOrderEvent();
    const huge = 'x'.repeat(size);
    if (where === 'remark') event.data.remark = huge;
    else if (where === 'key') event.data[huge] = 1;
    else event[where] = huge;
    return { label: `${size}-char ${where}`, body: Buffer.from(JSON.stringify(event)) };
  }),
  fc
    .record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }), where: fc.constantFrom('dataArea', 'eventId', 'remark', 'key', 'raw') })
    .map(({ bytes, where }) => {
      // Bytes 0x80-0xff alone are never valid UTF-8: the body is not UTF-8 text.
      const bad = Buffer.from(Array.from(bytes, (b) => 0x80 | b));
      const event = workOrderEvent();
      if (where === 'dataArea') event.dataArea = 'fw@@wt';
      else if (where === 'eventId') event.eventId = `${event.eventId}@@`;
      else if (where === 'remark') event.data.remark = 'a@@b';
      else if (where === 'key') event.data['k@@'] = 1;
      const text = where === 'raw' ? JSON.stringify(event).replace('{', '{@@') : JSON.stringify(event);
      const [before, after] = text.split('@@') as [string, string];
      return { label: `invalid UTF-8 in ${where}`, body: Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]) };
    }),
  fc
    .record({ key: fc.constantFrom(...PROTO_KEYS), value: fc.constantFrom('{"polluted":true}', '{"isAdmin":true}', 'null', '1', '[]', '"x"'), at: fc.constantFrom('envelope', 'data', 'batch', 'item') })
    .map(({ key, value, at }) => {
      const event = JSON.stringify(workOrderEvent());
      let text: string;
      if (at === 'envelope') text = withRawMember(event, key, value);
      else if (at === 'data') text = event.replace('"data":{', `"data":{${JSON.stringify(key)}:${value},`);
      else if (at === 'batch') text = withRawMember(JSON.stringify({ events: [JSON.parse(event)] }), key, value);
      else text = `{"events":[${withRawMember(event, key, value)}]}`;
      return { label: `${key} in ${at}`, body: Buffer.from(text) };
    }),
  fc.constantFrom(
    { label: 'lone surrogate', body: Buffer.from(JSON.stringify(workOrderEvent()).replace('"fwwt"', '"fw\\ud800wt"')) },
    { label: 'NUL in data', body: Buffer.from(JSON.stringify(workOrderEvent()).replace('"data":{', '"data":{"remark":"a\\u0000b",')) },
    { label: 'huge number', body: Buffer.from(JSON.stringify(workOrderEvent()).replace('"changeId":"1"', `"changeId":1${'0'.repeat(400)}`)) },
    { label: 'BOM', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(workOrderEvent()))]) },
    { label: 'UTF-16', body: Buffer.from(JSON.stringify(workOrderEvent()), 'utf16le') },
    { label: 'empty', body: Buffer.alloc(0) },
    { label: 'whitespace', body: Buffer.from('   \n') },
    { label: 'null', body: Buffer.from('null') },
    { label: 'string', body: Buffer.from('"event"') },
    { label: 'trailing garbage', body: Buffer.from(`${JSON.stringify(workOrderEvent())}}}`) },
    { label: 'two documents', body: Buffer.from(`${JSON.stringify(workOrderEvent())}${JSON.stringify(workOrderEvent())}`) },
    { label: 'duplicate keys', body: Buffer.from(JSON.stringify(workOrderEvent()).replace('{', '{"dataArea":"a b",')) },
  ),
);

/** Headers that are wrong in some way: content type, charset, encoding. */
const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.constantFrom<Record<string, string>>(
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/x-www-form-urlencoded' },
    { 'content-type': 'multipart/form-data; boundary=x' },
    { 'content-type': 'application/json; charset=latin1' },
    { 'content-type': 'application/json; charset=utf-16' },
    { 'content-type': 'application/json; charset=nonsense' },
    { 'content-type': 'application/vnd.api+json' },
    { 'content-type': 'application/jsonx' },
    { 'content-type': 'json' },
    { 'content-type': '' },
    { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    { 'content-type': 'application/json', 'content-encoding': 'deflate' },
    { 'content-type': 'application/json', 'content-encoding': 'br' },
    { 'content-type': 'application/json', 'content-encoding': 'x-unknown' },
    { 'content-type': 'application/json', 'content-encoding': 'identity' },
  ),
  fc.string({ maxLength: 60, unit: 'grapheme-ascii' }).map((ct) => ({ 'content-type': ct.replace(/[\r\n]/g, '') })),
);

// ---- the test ----------------------------------------------------------------------------

describe('fuzzing the producer and admin APIs', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let watcher: WriteWatcher;
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    bus = await startBus({ workers: false, env: { ORDERBUS_MAX_BODY_BYTES: String(MAX_BODY), ORDERBUS_MAX_BATCH: String(MAX_BATCH), ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '10000' } });
    receiver = await startReceiver();
    await bus.subscribe('FUZZ', receiver.url);
    await bus.subscribe('FUZZTWO', receiver.url, { dataAreas: ['fwwt'], changeIds: [1, 2] });
    watcher = new WriteWatcher(bus.redis.url, bus.prefix);
    await watcher.start();
  });
  afterAll(async () => {
    watcher?.close();
    agent.destroy();
    await bus?.close();
    await receiver?.close();
    report('fuzz', { seed: SEED, cases: stats.cases, ...Object.fromEntries([...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => [`status${s}`, n])) });
  });

  const produce = async (label: string, body: Buffer, headers: Record<string, string> = {}): Promise<void> => {
    const answer = await send(bus.producerUrl, 'POST', '/v1/events', { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json', ...headers }, body);
    expectPreciseAnswer(`POST /v1/events ${label}`, answer, await watcher.settle());
    if (answer.status === 202) {
      // An accepted event is queued for the matching subscriptions: FUZZ takes every event.
      const receipts = answer.json.events ?? [answer.json];
      for (const r of receipts) if (!(r.queuedFor >= 1)) throw new Error(`accepted but not queued: ${answer.text}`);
    }
  };

  it('producer: random JSON, mutated envelopes and batches', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, async (value) => produce('random JSON', Buffer.from(JSON.stringify(value) ?? 'null'))),
      { numRuns: runs(600), seed: SEED },
    );
    await fc.assert(
      fc.asyncProperty(mutatedEvent, async (event) => produce('mutated event', Buffer.from(JSON.stringify(event)))),
      { numRuns: runs(1200), seed: SEED },
    );
    const batch = fc.oneof(
      fc.array(fc.oneof(mutatedEvent, anyJson), { minLength: 0, maxLength: MAX_BATCH + 5 }).map((events) => ({ events })),
      fc.record({ events: wrongValue }),
      fc.record({ events: fc.array(mutatedEvent, { maxLength: 3 }), extra: wrongValue }),
      // The same eventId twice with different payloads.
      fc.constant(null).map(() => {
        const a = workOrderEvent();
        return { events: [a, { ...a, data: { ...a.data, remark: 'other' } }] };
      }),
    );
    await fc.assert(fc.asyncProperty(batch, async (body) => produce('batch', Buffer.from(JSON.stringify(body)))), { numRuns: runs(500), seed: SEED });
  });

  it('producer: hostile bodies and wrong headers', async () => {
    await fc.assert(fc.asyncProperty(hostileBody, async ({ label, body }) => produce(label, body)), { numRuns: runs(700), seed: SEED });
    await fc.assert(
      fc.asyncProperty(oddHeaders, fc.boolean(), async (headers, gzip) => {
        const json = Buffer.from(JSON.stringify(workOrderEvent()));
        // A correctly gzipped body under `content-encoding: gzip` is fine; a plain one is not.
        const body = headers['content-encoding'] === 'gzip' && gzip ? gzipSync(json) : json;
        await produce(`headers ${JSON.stringify(headers)}`, body, headers);
      }),
      { numRuns: runs(400), seed: SEED },
    );
    // Writing a prototype key never reached Object.prototype.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  // ---- admin --------------------------------------------------------------------------------

  // The audit log records refused actions on purpose. A BullMQ Queue handle writes its queue's
  // `meta` hash (version, event stream length) when first created: idempotent, not the request's doing.
  const expectedAdminWrite = (key: string): boolean => key === `${bus.prefix}:audit` || /^[^:]+:\{sub\.[^}]+\}:meta$/.test(key);
  const admin = async (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Answer> => {
    const answer = await send(
      bus.adminUrl,
      method,
      path,
      { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body,
    );
    expectPreciseAnswer(`${method} ${path}`, answer, await watcher.settle(), expectedAdminWrite);
    return answer;
  };

  /** A path segment: mostly odd, sometimes a real baseCode. */
  const segment = fc.oneof(
    fc.constantFrom('FUZZ', 'FUZZTWO', 'NOPE', 'A', 'x'.repeat(65), '%ff', '%', '%2F', '..', '.', '%00', '%E0%A4%A', '{sub.FUZZ}', 'a:b', '__proto__', 'constructor', '%F0%9F%98%80', '-a', 'FUZZ%20'),
    fc.string({ maxLength: 70, unit: 'grapheme' }).map((s) => encodeURIComponent(s) || 'e'),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{1,20}$/),
  );
  const callbackUrl = fc.oneof(
    fc.constant(null).map(() => receiver.url),
    fc.string({ maxLength: 30, unit: 'grapheme-ascii' }).map((p) => `${receiver.url}/${encodeURIComponent(p)}?q=${encodeURIComponent(p)}`),
    fc.constantFrom(
      'http://127.0.0.1:1/closed',
      'http://10.0.0.1/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://[::1]:1/x',
      'http://0.0.0.0/',
      'http://2852039166/',
      'http://api.localhost/',
      'ftp://127.0.0.1/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://',
      'http:// spaces /',
      '',
      `http://127.0.0.1/${'a'.repeat(3000)}`,
    ),
    wrongValue,
  );
  /** Mostly a valid value (so some registrations go through and change state), sometimes a wrong one. */
  const mostly = <T,>(valid: fc.Arbitrary<T>, wrong: fc.Arbitrary<unknown> = wrongValue): fc.Arbitrary<unknown> =>
    fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: wrong, weight: 1 });
  const subscriptionInput = fc.record(
    {
      callbackUrl: mostly(fc.constant(null).map(() => receiver.url), callbackUrl),
      contact: mostly(fc.record({ name: mostly(fc.string({ minLength: 1, maxLength: 10 })), email: mostly(fc.constantFrom('ops@example.com', 'a.b@example.org'), fc.constantFrom('not-an-email', '')) })),
      scope: mostly(
        fc.record(
          {
            dataAreas: mostly(fc.oneof(fc.constant('*'), fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 5 })), fc.array(fc.constantFrom('a b', '', 'x'.repeat(70)), { maxLength: 3 })),
            changeIds: mostly(fc.oneof(fc.constant('*'), fc.uniqueArray(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 5 })), fc.array(fc.integer({ min: -2, max: 12 }), { maxLength: 5 })),
          },
          { requiredKeys: [] },
        ),
      ),
      systemName: mostly(fc.string({ minLength: 1, maxLength: 10 }), fc.oneof(fc.constant('x'.repeat(300)), fc.constant(''), wrongValue)),
      ordering: mostly(fc.boolean()),
    },
    { requiredKeys: ['callbackUrl', 'contact'] },
  );
  /** Sometimes a key the schema does not know. */
  const rarely = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight: 1 });
  const withExtra = fc.tuple(subscriptionInput, rarely(fc.tuple(fc.string({ maxLength: 8 }), wrongValue))).map(([input, extra]) =>
    extra ? { ...(input as object), [extra[0]]: extra[1] } : input,
  );

  it('admin: registrations with odd baseCodes and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(segment, fc.oneof({ arbitrary: withExtra, weight: 4 }, { arbitrary: anyJson, weight: 1 }), rarely(fc.constantFrom(...PROTO_KEYS)), async (baseCode, input, proto) => {
        let text = JSON.stringify(input) ?? 'null';
        if (proto && text.startsWith('{')) text = withRawMember(text, proto, '{"polluted":true}');
        await admin('PUT', `/v1/subscriptions/${baseCode}`, Buffer.from(text));
      }),
      { numRuns: runs(900), seed: SEED },
    );
  });

  it('admin: reads with odd paths and queries', async () => {
    const query = fc.dictionary(
      fc.constantFrom('status', 'health', 'dataArea', 'limit', 'after', 'since', 'eventId', 'baseCode', 'changeId', 'serviceOrderId', '__proto__', 'limit[]'),
      fc.oneof(fc.constantFrom('', '-1', '0', '1', '1e9', 'NaN', 'enabled', 'failing', '*', '%ff', '2025-01-01T00:00:00Z', '0001-01-01'), fc.string({ maxLength: 20 }).map(encodeURIComponent)),
      { maxKeys: 4 },
    );
    const route = fc.constantFrom(
      '/v1/subscriptions',
      '/v1/subscriptions/:b',
      '/v1/subscriptions/:b/health',
      '/v1/subscriptions/:b/health/history',
      '/v1/subscriptions/:b/status-history',
      '/v1/subscriptions/:b/attempts',
      '/v1/subscriptions/:b/dead-letters',
      '/v1/subscriptions/:b/queue',
      '/v1/events',
      '/v1/events/:b',
      '/v1/audit',
      '/v1/stats/deliveries',
      '/v1/:b',
      '/:b',
    );
    await fc.assert(
      fc.asyncProperty(route, segment, query, async (r, b, q) => {
        const qs = Object.entries(q).map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
        await admin('GET', `${r.replace(':b', b)}${qs ? `?${qs}` : ''}`);
      }),
      { numRuns: runs(700), seed: SEED },
    );
  });

  it('admin: actions with odd bodies', async () => {
    const action = fc.constantFrom(
      ['POST', '/v1/subscriptions/:b/enable'],
      ['POST', '/v1/subscriptions/:b/disable'],
      ['POST', '/v1/subscriptions/:b/rotate-secret'],
      ['POST', '/v1/subscriptions/:b/dead-letters/replay'],
      ['POST', '/v1/subscriptions/:b/dead-letters/:b/replay'],
      ['DELETE', '/v1/subscriptions/:b/dead-letters/:b'],
      ['POST', '/v1/subscriptions/:b/pause'],
      ['POST', '/v1/subscriptions/:b/resume'],
      ['PATCH', '/v1/subscriptions/:b'],
      ['POST', '/v1/subscriptions'],
      ['POST', '/console/login'],
    );
    const body = fc.oneof(
      fc.record({ reason: wrongValue, discardBacklog: wrongValue, graceSeconds: fc.oneof(fc.integer({ min: -10, max: 10 ** 9 }), wrongValue), since: wrongValue, token: wrongValue }, { requiredKeys: [] }).map((b) => Buffer.from(JSON.stringify(b))),
      anyJson.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      hostileBody.map((h) => h.body),
    );
    await fc.assert(
      fc.asyncProperty(action, segment, body, async ([method, path], b, payload) => {
        // Never disable, pause or re-key the subscriptions the other cases use.
        const target = b === 'FUZZ' || b === 'FUZZTWO' ? 'NOPE' : b;
        await admin(method, path.replaceAll(':b', target), payload);
      }),
      { numRuns: runs(600), seed: SEED },
    );
  });

  it('leaves the bus working', async () => {
    const res = await bus.send(workOrderEvent({ eventId: 'after-fuzz' }));
    expect(res.status).toBe(202);
    expect((await bus.admin('GET', '/v1/subscriptions/FUZZ')).status).toBe(200);
    expect(stats.cases).toBeGreaterThanOrEqual(runs(5000));
  });
});
