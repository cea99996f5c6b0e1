import { hostname } from 'node:os';
import { lookup } from 'node:dns/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'node:http';
import type { Express } from 'express';
import { createTokenMatcher, close, listen } from '@orderbus/http';
import { createLogger, type Logger } from '@orderbus/observability';
import { isBlockedAddress } from '@orderbus/delivery';
import { SubscriptionStore } from '@orderbus/registry';
import { createRedisConnection, waitForReady } from '@orderbus/queues';
import { startReceiver, startRedisServer, uniquePrefix, waitUntil, type TestReceiver, type TestRedis } from '@orderbus/testkit';
import { registeredRoutes } from '../apps/admin/src/openapi/route-table';
import { readAdminEnv } from '../apps/admin/src/env';
import { createAdminRuntime, type AdminRuntime } from '../apps/admin/src/runtime';
import { readProducerEnv } from '../apps/producer/src/env';
import { createProducerRuntime, type ProducerRuntime } from '../apps/producer/src/runtime';
import { readWorkerEnv } from '../apps/worker/src/env';
import { createWorkerRuntime, type WorkerRuntime } from '../apps/worker/src/runtime';
import { OPERATOR_TOKEN, PRODUCER_KEY, VIEWER_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { waitForAttempts, waitForDeadLetter } from './support/delivery';
import { report } from './support/load';

// Nobody gets in where they do not belong (docs/faults.md): every route refuses missing and wrong
// credentials, tokens are compared in constant time, secrets never reach logs or API lists, an
// owner's credential reaches its own baseCode only, internal callback addresses are refused,
// bodies are size-limited, and producers are rate-limited per key.

// The node:crypto module object the apps' code calls through (a spy on it sees every call).
const crypto = require('node:crypto') as typeof import('node:crypto');

jest.setTimeout(120_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

const agent = new Agent({ keepAlive: true });
afterAll(() => agent.destroy());

/** A request with full control over headers and body (chunked when `chunks` is given). */
function call(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const json = (token?: string): Record<string, string> => ({ 'content-type': 'application/json', ...(token ? bearer(token) : {}) });

/** Routes anyone may call: probes, the OpenAPI document, the console's login page and session. */
const PUBLIC: Record<'producer' | 'admin', string[]> = {
  producer: ['GET /healthz', 'GET /readyz', 'GET /metrics'],
  admin: ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'POST /console/login', 'POST /console/logout', 'GET /'],
};

/** Every route of an app (bull-board's `/queues` apart), with sample path parameters. */
function routesOf(app: Express): Array<{ method: string; path: string; route: string }> {
  const seen = new Set<string>();
  return registeredRoutes(app)
    .map((r) => ({ method: r.method, route: `${r.method} ${r.path}`, path: r.path.replace(/\{baseCode\}/g, 'SECA').replace(/\{[A-Za-z]+\}/g, 'x1') }))
    .filter((r) => !/^\/queues(\/|$)/.test(r.path) && !seen.has(r.route) && seen.add(r.route));
}

describe('authentication and authorisation of every route', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let ownerA: string;
  let ownerB: string;
  let admin: AdminRuntime;
  let producer: ProducerRuntime;

  beforeAll(async () => {
    bus = await startBus({ workers: false });
    receiver = await startReceiver();
    await bus.subscribe('SECA', receiver.url, { dataAreas: ['seca'] });
    await bus.subscribe('SECB', receiver.url, { dataAreas: ['secb'] });
    ownerA = (await bus.admin('POST', '/v1/subscriptions/SECA/credentials', {})).body.credential;
    ownerB = (await bus.admin('POST', '/v1/subscriptions/SECB/credentials', {})).body.credential;
    // The apps' routers, to enumerate what is registered (same wiring as the bus's).
    const env = { ORDERBUS_REDIS_URL: bus.redis.url, ORDERBUS_PREFIX: bus.prefix, ORDERBUS_ADMIN_TOKENS: 'x:operator:y', ORDERBUS_PRODUCER_KEYS: 'x:y' };
    const logger = createLogger({ service: 'test', silent: true });
    admin = createAdminRuntime(readAdminEnv(env), logger);
    producer = createProducerRuntime(readProducerEnv(env), logger);
  });
  afterAll(async () => {
    await admin?.close();
    await producer?.close();
    await bus?.close();
    await receiver?.close();
  });

  it('lists exactly the known public routes; every other route refuses a missing, malformed or wrong credential', async () => {
    const checked: string[] = [];
    for (const [name, app, base, foreign] of [
      ['producer', producer.app, bus.producerUrl, OPERATOR_TOKEN],
      ['admin', admin.app, bus.adminUrl, PRODUCER_KEY],
    ] as const) {
      const routes = routesOf(app);
      const open = routes.filter((r) => PUBLIC[name].includes(r.route));
      expect([name, open.map((r) => r.route).sort()]).toEqual([name, [...PUBLIC[name]].sort()]);
      for (const r of routes.filter((x) => !PUBLIC[name].includes(x.route))) {
        const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
        for (const [label, headers] of [
          ['none', {}],
          ['wrong', bearer('not-a-token')],
          ['basic', { authorization: `Basic ${Buffer.from(`x:${OPERATOR_TOKEN}`).toString('base64')}` }],
          ['empty bearer', { authorization: 'Bearer ' }],
          ['token with a suffix', bearer(`${name === 'admin' ? OPERATOR_TOKEN : PRODUCER_KEY}x`)],
          ['prefix of the token', bearer((name === 'admin' ? OPERATOR_TOKEN : PRODUCER_KEY).slice(0, -1))],
          ["the other app's credential", bearer(foreign)],
          ['forged registration credential', bearer(`obr_SECA.${ownerB.split('.')[1]}`)],
        ] as Array<[string, Record<string, string>]>) {
          const res = await call(base, r.method, r.path, { headers: { ...json(), ...headers }, ...(body ? { body } : {}) });
          expect([name, r.route, label, res.status, res.json?.error?.code]).toEqual([name, r.route, label, 401, 'unauthorized']);
          expect(String(res.headers['www-authenticate'])).toContain('Bearer');
          // The answer never echoes what was presented.
          expect(res.text).not.toContain(OPERATOR_TOKEN);
        }
        checked.push(`${name} ${r.route}`);
      }
    }
    expect(checked.length).toBeGreaterThan(20);
    report('security: routes refusing missing/wrong credentials', { routes: checked.length });
  });

  it('bull-board (/queues) needs the console session', async () => {
    const page = await call(bus.adminUrl, 'GET', '/queues', { headers: { accept: 'text/html' } });
    expect([page.status, String(page.headers.location)]).toEqual([302, expect.stringContaining('/console/')]);
    const api = await call(bus.adminUrl, 'GET', '/queues/api/queues', { headers: { accept: 'application/json', cookie: 'orderbus_admin=wrong' } });
    expect([api.status, api.json?.error?.code]).toEqual([401, 'unauthorized']);
    const owner = await call(bus.adminUrl, 'GET', '/queues/api/queues', { headers: { accept: 'application/json', ...bearer(ownerA) } });
    expect(owner.status).toBe(401);
  });

  it('a viewer token reads but may not act', async () => {
    const acting = routesOf(admin.app).filter((r) => r.path.startsWith('/v1/') && r.method !== 'GET');
    expect(acting.length).toBeGreaterThan(10);
    for (const r of acting) {
      const res = await call(bus.adminUrl, r.method, r.path, { headers: json(VIEWER_TOKEN), ...(r.method === 'DELETE' ? {} : { body: '{}' }) });
      expect([r.route, res.status, res.json?.error?.code]).toEqual([r.route, 403, 'forbidden']);
    }
    const read = await call(bus.adminUrl, 'GET', '/v1/subscriptions', { headers: bearer(VIEWER_TOKEN) });
    expect(read.status).toBe(200);
  });

  it('a registration credential reaches only its own baseCode', async () => {
    // What an owner may do on its own baseCode is the admin app's policy (apps/admin/src/owner-access.ts);
    // minting or revoking credentials and deleting the subscription never are.
    const NEVER_FOR_OWNERS = new Set([
      'POST /v1/subscriptions/{baseCode}/credentials',
      'DELETE /v1/subscriptions/{baseCode}/credentials',
      'DELETE /v1/subscriptions/{baseCode}',
    ]);
    const v1 = routesOf(admin.app).filter((r) => r.path.startsWith('/v1/'));
    let refused = 0;
    for (const r of v1) {
      const bodyFor = (baseCode: string): string | undefined =>
        r.route === 'PUT /v1/subscriptions/{baseCode}'
          ? JSON.stringify({ callbackUrl: receiver.url, contact: { name: baseCode, email: 'o@example.com' } })
          : r.method === 'DELETE' || r.method === 'GET'
            ? undefined
            : '{}';
      if (r.path.includes('SECA')) {
        // Another baseCode, however it is spelled: 403 on every route.
        for (const path of [r.path.replace('SECA', 'SECB'), r.path.replace('SECA', 'SEC%42'), r.path.replace('SECA', 'seca')]) {
          const b = bodyFor('SECB');
          const res = await call(bus.adminUrl, r.method, path, { headers: json(ownerA), ...(b ? { body: b } : {}) });
          expect([r.route, path, res.status, res.json?.error?.code]).toEqual([r.route, path, 403, 'forbidden']);
          refused += 1;
        }
        if (NEVER_FOR_OWNERS.has(r.route)) {
          const own = await call(bus.adminUrl, r.method, r.path, { headers: json(ownerA) });
          expect([r.route, own.status]).toEqual([r.route, 403]);
        }
      } else {
        // Global routes: refused (403), or for events an owner may use, nothing found that is not its own.
        const b = bodyFor('SECA');
        const res = await call(bus.adminUrl, r.method, r.path, { headers: json(ownerA), ...(b ? { body: b } : {}) });
        expect([r.route, res.status >= 400 && res.status < 500]).toEqual([r.route, true]);
        refused += 1;
      }
    }
    // An event queued only for SECB is not SECA's to read or report on.
    expect((await bus.send(workOrderEvent({ eventId: 'only-for-b', dataArea: 'secb' }))).body.queuedFor).toBe(1);
    for (const [method, path, body] of [
      ['GET', '/v1/events/only-for-b', undefined],
      ['POST', '/v1/events/only-for-b/errors', JSON.stringify({ message: 'x' })],
    ] as const) {
      const res = await call(bus.adminUrl, method, path, { headers: json(ownerA), ...(body ? { body } : {}) });
      expect([path, method === 'GET' ? [403, 404].includes(res.status) : res.status >= 400, res.text.includes('serviceOrderId')]).toEqual([path, true, false]);
    }
    // Nothing of SECB changed.
    expect((await bus.admin('GET', '/v1/subscriptions/SECB')).body).toMatchObject({ status: 'enabled', contact: { name: 'SECB team' } });
    // A revoked credential is refused.
    await bus.admin('DELETE', '/v1/subscriptions/SECA/credentials');
    expect((await call(bus.adminUrl, 'GET', '/v1/subscriptions/SECA', { headers: bearer(ownerA) })).status).toBe(401);
    report('security: owner scope', { routes: v1.length, refusedOutsideOwnBaseCode: refused });
  });

  it('compares every token in constant time: timingSafeEqual over equal-length digests', async () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      const probes: Array<[string, () => Promise<Answer>]> = [
        ['producer key', () => call(bus.producerUrl, 'POST', '/v1/events', { headers: json(`${PRODUCER_KEY}-but-much-longer-than-the-real-one`), body: '{}' })],
        ['admin token', () => call(bus.adminUrl, 'GET', '/v1/subscriptions', { headers: bearer('x') })],
        ['registration credential', () => call(bus.adminUrl, 'GET', '/v1/subscriptions/SECB', { headers: bearer(`${ownerB}x`) })],
        ['console login', () => call(bus.adminUrl, 'POST', '/console/login', { headers: json(), body: JSON.stringify({ token: 'nope' }) })],
        ['console session', () => call(bus.adminUrl, 'GET', '/queues/api/queues', { headers: { accept: 'application/json', cookie: 'orderbus_admin=nope' } })],
      ];
      for (const [what, probe] of probes) {
        spy.mockClear();
        expect([what, (await probe()).status]).toEqual([what, 401]);
        expect([what, spy.mock.calls.length > 0]).toEqual([what, true]);
        for (const [a, b] of spy.mock.calls) expect([what, (a as Buffer).length, (b as Buffer).length]).toEqual([what, 32, 32]);
      }
    } finally {
      spy.mockRestore();
    }

    // A statistical sanity check: a near miss takes as long as a far miss (same-length tokens,
    // interleaved batches). The machine is shared: compare the fastest batches (least disturbed)
    // and the medians, with generous bounds — this is about no gross leak, not nanoseconds.
    const secret = 'k'.repeat(1024);
    const match = createTokenMatcher([{ name: 'p', role: 'producer', token: secret }]);
    const near = `${'k'.repeat(1023)}x`;
    const far = `x${'k'.repeat(1023)}`;
    const batch = (token: string): number => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 300; i++) match(token);
      return Number(process.hrtime.bigint() - started) / 300;
    };
    const nearTimes: number[] = [];
    const farTimes: number[] = [];
    for (let i = 0; i < 81; i++) {
      if (i % 2 === 0) {
        nearTimes.push(batch(near));
        farTimes.push(batch(far));
      } else {
        farTimes.push(batch(far));
        nearTimes.push(batch(near));
      }
    }
    const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
    const fastest = sorted(nearTimes)[0]! / sorted(farTimes)[0]!;
    const median = sorted(nearTimes)[40]! / sorted(farTimes)[40]!;
    report('security: token compare timing (ns per check)', {
      nearMissFastest: Math.round(sorted(nearTimes)[0]!),
      farMissFastest: Math.round(sorted(farTimes)[0]!),
      ratioFastest: fastest.toFixed(3),
      ratioMedian: median.toFixed(3),
    });
    // Medians move with the machine's load (seen: 0.2 to 1.4 on a loaded machine); the fastest do not.
    expect(fastest).toBeGreaterThan(0.67);
    expect(fastest).toBeLessThan(1.5);
  });

  it('limits request bodies, streamed ones too', async () => {
    const big = JSON.stringify({ callbackUrl: receiver.url, contact: { name: 'x'.repeat(300 * 1024), email: 'a@example.com' } });
    const adminPut = await call(bus.adminUrl, 'PUT', '/v1/subscriptions/BIG', { headers: json(OPERATOR_TOKEN), body: big });
    expect([adminPut.status, adminPut.json?.error?.code]).toEqual([413, 'payload_too_large']);
    const login = await call(bus.adminUrl, 'POST', '/console/login', { headers: json(), body: JSON.stringify({ token: 'x'.repeat(8 * 1024) }) });
    expect([login.status, login.json?.error?.code]).toEqual([413, 'payload_too_large']);
    // No content-length: chunked, larger than the producer's 5 MB default; refused while it streams.
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const streamed = await call(bus.producerUrl, 'POST', '/v1/events', { headers: json(PRODUCER_KEY), chunks: [Buffer.from('{"dataArea":"'), ...Array(6).fill(chunk), Buffer.from('"}')] });
    expect([streamed.status, streamed.json?.error?.code]).toEqual([413, 'payload_too_large']);
    expect((await bus.admin('GET', '/v1/subscriptions/BIG')).status).toBe(404);
  });
});

describe('secrets never reach logs or API lists', () => {
  let redis: TestRedis;
  let receiver: TestReceiver;
  const lines: string[] = [];
  let producer: ProducerRuntime;
  let admin: AdminRuntime;
  let worker: WorkerRuntime;
  const servers: Server[] = [];
  let producerUrl = '';
  let adminUrl = '';
  const prefix = uniquePrefix();

  /** A logger as the apps create it, at the most verbose level, whose JSON lines are kept. */
  function capturingLogger(service: string): Logger {
    const logger = createLogger({ service, level: 'silly' });
    for (const transport of logger.transports) transport.silent = true;
    logger.on('data', (info: Record<string | symbol, unknown>) => lines.push(String(info[Symbol.for('message')] ?? JSON.stringify(info))));
    return logger;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    receiver = await startReceiver();
    const env = {
      ORDERBUS_REDIS_URL: redis.url,
      ORDERBUS_PREFIX: prefix,
      ORDERBUS_PRODUCER_KEYS: `workorder:${PRODUCER_KEY}`,
      ORDERBUS_ADMIN_TOKENS: `ops:operator:${OPERATOR_TOKEN}`,
      ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1',
      ORDERBUS_LOG_LEVEL: 'silly',
      ORDERBUS_RETRY_SCHEDULE: '0',
      ORDERBUS_SWEEP_INTERVAL_MS: '500',
      ORDERBUS_WORKER_HEARTBEAT_MS: '300',
    };
    producer = createProducerRuntime(readProducerEnv(env), capturingLogger('producer'));
    admin = createAdminRuntime(readAdminEnv(env), capturingLogger('admin'));
    worker = createWorkerRuntime(readWorkerEnv(env), capturingLogger('worker'));
    await Promise.all([waitForReady(producer.redis), waitForReady(admin.redis)]);
    await worker.start();
    const p = await listen(producer.app, 0, '127.0.0.1');
    const a = await listen(admin.app, 0, '127.0.0.1');
    servers.push(p, a);
    producerUrl = `http://127.0.0.1:${(p.address() as AddressInfo).port}`;
    adminUrl = `http://127.0.0.1:${(a.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await worker?.close();
    for (const s of servers) await close(s);
    await producer?.close();
    await admin?.close();
    await receiver?.close();
    await redis?.stop();
  });

  it('creates, rotates and uses secrets and credentials; none appears in a log line or a later answer', async () => {
    const secrets: string[] = [OPERATOR_TOKEN, PRODUCER_KEY];
    const put = await call(adminUrl, 'PUT', '/v1/subscriptions/SECRET', {
      headers: json(OPERATOR_TOKEN),
      body: JSON.stringify({ callbackUrl: receiver.url, contact: { name: 'x', email: 'x@example.com' } }),
    });
    expect(put.status).toBe(201);
    secrets.push(put.json.signingSecret);
    expect((await call(adminUrl, 'POST', '/v1/subscriptions/SECRET/enable', { headers: json(OPERATOR_TOKEN), body: '{}' })).status).toBe(200);
    const credential = (await call(adminUrl, 'POST', '/v1/subscriptions/SECRET/credentials', { headers: json(OPERATOR_TOKEN), body: '{}' })).json.credential as string;
    secrets.push(credential);
    const rotated = await call(adminUrl, 'POST', '/v1/subscriptions/SECRET/rotate-secret', { headers: json(OPERATOR_TOKEN), body: '{"graceSeconds": 3600}' });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.json.signingSecret);
    // Use them: deliveries signed with both secrets, the owner at work, failed logins of every kind.
    for (let i = 0; i < 3; i++) {
      expect((await call(producerUrl, 'POST', '/v1/events', { headers: json(PRODUCER_KEY), body: JSON.stringify(workOrderEvent({ eventId: `sec-${i}` })) })).status).toBe(202);
    }
    await receiver.waitForRequests(3, { filter: (r) => r.headers['webhook-signature']?.includes(' ') === true });
    receiver.behave({ status: 500, body: 'nope' });
    await call(producerUrl, 'POST', '/v1/events', { headers: json(PRODUCER_KEY), body: JSON.stringify(workOrderEvent({ eventId: 'sec-fail' })) });
    await waitUntil(async () => (await call(adminUrl, 'GET', '/v1/subscriptions/SECRET/dead-letters', { headers: bearer(OPERATOR_TOKEN) })).json.items.length === 1, { description: 'a dead letter' });
    expect((await call(adminUrl, 'PUT', '/v1/subscriptions/SECRET', { headers: json(credential), body: JSON.stringify({ callbackUrl: receiver.url, contact: { name: 'y', email: 'y@example.com' } }) })).status).toBe(200);
    await call(adminUrl, 'GET', '/v1/subscriptions/OTHER', { headers: bearer(credential) });
    await call(adminUrl, 'GET', '/v1/subscriptions', { headers: bearer(`${credential}x`) });
    await call(adminUrl, 'GET', '/v1/subscriptions', { headers: bearer(`${OPERATOR_TOKEN}x`) });
    await call(producerUrl, 'POST', '/v1/events', { headers: json(`${PRODUCER_KEY}x`), body: '{}' });
    await call(adminUrl, 'POST', '/console/login', { headers: json(), body: JSON.stringify({ token: OPERATOR_TOKEN }) });
    await call(adminUrl, 'POST', '/console/login', { headers: json(), body: JSON.stringify({ token: `${OPERATOR_TOKEN}x` }) });

    // Every list and detail an operator or owner can read.
    const reads = [
      '/v1/subscriptions',
      '/v1/subscriptions/SECRET',
      '/v1/subscriptions/SECRET/health',
      '/v1/subscriptions/SECRET/status-history',
      '/v1/subscriptions/SECRET/attempts',
      '/v1/subscriptions/SECRET/dead-letters',
      '/v1/subscriptions/SECRET/queue',
      `/v1/events?serviceOrderId=${workOrderEvent().data.serviceOrderId}`,
      '/v1/events/sec-0',
      '/v1/events/sec-fail',
      '/v1/audit',
      '/v1/stats/deliveries',
    ];
    const answers: Array<[string, string]> = [];
    for (const path of reads) {
      const res = await call(adminUrl, 'GET', path, { headers: bearer(OPERATOR_TOKEN) });
      expect([path, res.status]).toEqual([path, 200]);
      answers.push([path, res.text]);
    }
    for (const [base, path] of [[adminUrl, '/metrics'], [producerUrl, '/metrics'], [adminUrl, '/openapi.json']] as const) answers.push([path, (await call(base, 'GET', path)).text]);
    answers.push(['worker metrics', await worker.metrics.registry.metrics()]);
    answers.push(['owner read', (await call(adminUrl, 'GET', '/v1/subscriptions/SECRET', { headers: bearer(credential) })).text]);
    // Only a hash of the credential is stored.
    const stored = createRedisConnection(redis.url, 'worker');
    const credentialsHash = JSON.stringify(await (stored as any).hgetall(`${prefix}:registration-credentials`));
    stored.disconnect();
    answers.push(['stored credentials', credentialsHash]);

    // The secrets themselves, and anything shaped like one (the OpenAPI document names the formats, `whsec_...`).
    const SHAPES = [/whsec_[A-Za-z0-9+/=]{16,}/, /obr_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}/];
    const leaks = (text: string): string[] => [...secrets.filter((s) => text.includes(s)), ...SHAPES.filter((re) => re.test(text)).map(String)];
    expect(answers.flatMap(([path, text]) => leaks(text).map((l) => `${path}: ${l.slice(0, 12)}`))).toEqual([]);
    if (process.env.ORDERBUS_SHOW_LOG) process.stdout.write(`${lines.join('\n')}\n`);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.flatMap((line) => leaks(line).map((l) => `${l.slice(0, 12)} in ${line.slice(0, 200)}`))).toEqual([]);
    report('security: secrets in logs and answers', { logLines: lines.length, answersScanned: answers.length, secretsChecked: secrets.length, leaks: 0 });
  });
});

describe('callback URLs to internal addresses', () => {
  let bus: TestBus;
  let receiver: TestReceiver;

  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_CALLBACK_ALLOWLIST: '' } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await bus?.close();
    await receiver?.close();
  });

  const put = (baseCode: string, callbackUrl: string) => bus.admin('PUT', `/v1/subscriptions/${baseCode}`, { callbackUrl, contact: { name: 'x', email: 'x@example.com' } });

  it('refuses them at registration in every spelling: *.localhost, mapped IPv6, decimal/hex/octal IPv4, names that resolve there', async () => {
    const refused = [
      `http://api.localhost:${receiver.port}/callback`,
      'http://a.b.LOCALHOST/cb',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://2852039166/',
      'http://0xa9fea9fe/',
      'http://0251.0376.0251.0376/',
      'http://169.254.169.254./',
      'http://[::ffff:7f00:1]/cb',
      'http://127.1/cb',
      'http://0/cb',
      'http://[::]/cb',
      'http://[fd00::1]/cb',
      'http://100.64.0.1/cb',
      'http://172.31.255.255/cb',
      'http://224.0.0.1/cb',
    ];
    for (const callbackUrl of refused) {
      const res = await put('INTERNAL', callbackUrl);
      expect([callbackUrl, res.status, res.body.error?.problems?.[0]?.path]).toEqual([callbackUrl, 422, '/callbackUrl']);
    }
    // This machine's own name resolves to one of its addresses (loopback or private on most
    // machines): refused exactly when it does.
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    const internal = addresses.some((a) => isBlockedAddress(a.address));
    const own = await put('OWNNAME', `http://${name}:${receiver.port}/callback`);
    expect([name, addresses.map((a) => a.address), own.status]).toEqual([name, addresses.map((a) => a.address), internal ? 422 : 201]);
    expect((await bus.admin('GET', '/v1/subscriptions/INTERNAL')).status).toBe(404);
  });

  it('refuses them at delivery when written around the registration check', async () => {
    const redis = createRedisConnection(bus.redis.url, 'worker');
    await waitForReady(redis);
    const store = new SubscriptionStore(redis, bus.prefix);
    for (const [baseCode, url] of [
      ['SUBLOCAL', `http://api.localhost:${receiver.port}/callback`],
      ['MAPPED', `http://[::ffff:127.0.0.1]:${receiver.port}/callback`],
    ]) {
      await store.put(baseCode!, { callbackUrl: url, scope: { dataAreas: [baseCode!.toLowerCase()] }, contact: { name: 'x', email: 'x@example.com' } });
      await store.setStatus(baseCode!, { status: 'enabled', by: 'test', reason: 'around the registration check' });
    }
    await waitUntil(() => ['SUBLOCAL', 'MAPPED'].every((b) => bus.worker!.dispatcher.servedBaseCodes().includes(b)), { description: 'served' });
    for (const baseCode of ['SUBLOCAL', 'MAPPED']) {
      const eventId = `ssrf-${baseCode.toLowerCase()}`;
      expect((await bus.send(workOrderEvent({ eventId, dataArea: baseCode.toLowerCase() }))).body.queuedFor).toBe(1);
      expect(await waitForDeadLetter(bus, baseCode, eventId)).toMatchObject({ attempts: 1, resultClass: 'ssrf_refused' });
      expect((await waitForAttempts(bus, baseCode, eventId, 1))[0]).toMatchObject({ resultClass: 'ssrf_refused', deadLettered: true });
    }
    expect(receiver.requests).toHaveLength(0);
    redis.disconnect();
  });

  it('lets allowlisted names and addresses through', async () => {
    const allowing = await startBus({ workers: false, env: { ORDERBUS_CALLBACK_ALLOWLIST: 'api.localhost,169.254.169.254,10.1.0.0/16' } });
    try {
      for (const [baseCode, url] of [
        ['ALLOWNAME', `http://api.localhost:${receiver.port}/callback`],
        ['ALLOWIP', 'http://169.254.169.254/latest'],
        ['ALLOWCIDR', 'http://10.1.2.3/cb'],
      ]) {
        const res = await allowing.admin('PUT', `/v1/subscriptions/${baseCode}`, { callbackUrl: url, contact: { name: 'x', email: 'x@example.com' } });
        expect([url, res.status]).toEqual([url, 201]);
      }
      const other = await allowing.admin('PUT', '/v1/subscriptions/NOTALLOWED', { callbackUrl: 'http://10.2.0.1/cb', contact: { name: 'x', email: 'x@example.com' } });
      expect(other.status).toBe(422);
    } finally {
      await allowing.close();
    }
  });
});

describe('per-producer-key rate limit', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  const OTHER_KEY = 'other-producer-key';

  beforeAll(async () => {
    bus = await startBus({
      workers: false,
      env: { ORDERBUS_PRODUCER_KEYS: `workorder:${PRODUCER_KEY},other:${OTHER_KEY}`, ORDERBUS_PRODUCER_RATE_LIMIT: '5', ORDERBUS_PRODUCER_RATE_BURST: '10' },
    });
    receiver = await startReceiver();
    await bus.subscribe('LIMITED', receiver.url);
  });
  afterAll(async () => {
    await bus?.close();
    await receiver?.close();
  });

  const batch = (n: number) => ({ events: Array.from({ length: n }, () => workOrderEvent()) });

  it('answers 429 rate_limited with Retry-After, queues nothing for it, and limits each key on its own', async () => {
    expect((await bus.send(batch(10))).status).toBe(202);
    const waiting = (await bus.counts('LIMITED')).waiting;
    const limited = await bus.send(batch(5));
    expect([limited.status, limited.body.error.code]).toEqual([429, 'rate_limited']);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBe(1);
    expect(limited.body.error.retryAfterSeconds).toBe(1);
    expect((await bus.counts('LIMITED')).waiting).toBe(waiting);
    // Another producer key has its own bucket.
    expect((await bus.send(batch(10), { headers: { authorization: `Bearer ${OTHER_KEY}` } })).status).toBe(202);
    // After Retry-After, the same request goes through.
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await bus.send(batch(5))).status).toBe(202);
    // A batch bigger than the burst passes on a full bucket and leaves it in debt for as long as it is over.
    await new Promise((r) => setTimeout(r, 2200));
    expect((await bus.send(batch(30))).status).toBe(202);
    const indebted = await bus.send(batch(1));
    expect(indebted.status).toBe(429);
    // 30 - 10 over the burst plus the 1 asked for, at 5 a second: about 4 s.
    expect(Number(indebted.headers.get('retry-after'))).toBeGreaterThanOrEqual(4);
    expect(Number(indebted.headers.get('retry-after'))).toBeLessThanOrEqual(5);
  });
});
