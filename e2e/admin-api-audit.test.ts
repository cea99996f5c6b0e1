import { Redis } from 'ioredis';
import { waitUntil } from '@orderbus/testkit';
import { startBus, VIEWER_TOKEN, type TestBus } from './support/bus';
import { adminCall, expectAuthRules } from './support/admin-http';

const contact = { name: 'Audit team', email: 'audit@example.com' };

describe('admin API: audit log', () => {
  let bus: TestBus;

  beforeAll(async () => {
    bus = await startBus({ workers: false, env: { ORDERBUS_AUDIT_MAX_ENTRIES: '100' } });
  });

  afterAll(async () => {
    await bus.close();
  });

  /** The audit entries, newest first, once `count` are there (recording follows the response). */
  async function entries(count: number): Promise<any[]> {
    return waitUntil(
      async () => {
        const res = await adminCall(bus, 'GET', `/v1/audit?limit=500`, { token: VIEWER_TOKEN });
        return res.body.items.length >= count ? res.body.items : undefined;
      },
      { description: `${count} audit entries` },
    );
  }

  it('records every acting call with who, what, outcome, when and the request id', async () => {
    const before = Date.now();
    const put = await adminCall(bus, 'PUT', '/v1/subscriptions/AUDITED', {
      body: { callbackUrl: 'http://127.0.0.1:9/callback', contact },
      headers: { 'x-request-id': 'audit-put-1' },
    });
    expect(put.status).toBe(201);
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/disable', { body: { reason: 'checking' } })).status).toBe(200);
    // A failed action and a refused one are recorded too.
    const bad = await adminCall(bus, 'PUT', '/v1/subscriptions/AUDITED', { body: { callbackUrl: 'ftp://nope', contact } });
    expect(bad.status).toBe(422);
    const refused = await adminCall(bus, 'DELETE', '/v1/subscriptions/AUDITED', { token: VIEWER_TOKEN });
    expect(refused.status).toBe(403);
    // Reads are not recorded.
    await adminCall(bus, 'GET', '/v1/subscriptions/AUDITED');
    await adminCall(bus, 'GET', '/v1/subscriptions');

    const items = await entries(4);
    expect(items).toHaveLength(4);
    const [deleteRefused, badPut, disable, created] = items;
    expect(created).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      at: expect.any(String),
      actor: 'ops',
      role: 'operator',
      method: 'PUT',
      path: '/v1/subscriptions/AUDITED',
      baseCode: 'AUDITED',
      status: 201,
      requestId: 'audit-put-1',
    });
    expect(Date.parse(created.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(disable).toMatchObject({ actor: 'ops', method: 'POST', path: '/v1/subscriptions/AUDITED/disable', baseCode: 'AUDITED', status: 200 });
    expect(badPut).toMatchObject({ method: 'PUT', status: 422, errorCode: 'validation_failed' });
    expect(deleteRefused).toMatchObject({ actor: 'watcher', role: 'viewer', method: 'DELETE', status: 403, errorCode: 'forbidden' });
    expect(disable.errorCode).toBeUndefined();
    // Newest first.
    expect(items.map((e: { id: string }) => e.id)).toEqual([...items.map((e: { id: string }) => e.id)].sort().reverse());
  });

  it('covers routes it does not know: an acting call to a route that does not exist is recorded as a 404', async () => {
    const res = await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/frobnicate', { body: {} });
    expect(res.status).toBe(404);
    const [latest] = await entries(5);
    expect(latest).toMatchObject({ method: 'POST', path: '/v1/subscriptions/AUDITED/frobnicate', baseCode: 'AUDITED', status: 404, errorCode: 'not_found' });
  });

  it('does not record calls that failed authentication, nor the query string', async () => {
    const count = (await entries(5)).length;
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/enable', { token: null })).status).toBe(401);
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/enable', { token: 'wrong' })).status).toBe(401);
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/disable?secret=x', { body: {} })).status).toBe(200);
    const items = await entries(count + 1);
    expect(items).toHaveLength(count + 1);
    expect(items[0]).toMatchObject({ path: '/v1/subscriptions/AUDITED/disable', status: 200 });
  });

  it("records a subscriber system's own calls (registration credential) as role owner, refused ones too", async () => {
    const issued = await adminCall(bus, 'POST', '/v1/subscriptions/OWNED/credentials');
    expect(issued.status).toBe(201);
    const credential = issued.body.credential as string;
    const own = await adminCall(bus, 'PUT', '/v1/subscriptions/OWNED', { token: credential, body: { callbackUrl: 'http://127.0.0.1:9/owned', contact } });
    expect(own.status).toBe(201);
    const other = await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/disable', { token: credential, body: {} });
    expect(other.status).toBe(403);
    const [refused, created] = await waitUntil(
      async () => {
        const items = (await adminCall(bus, 'GET', '/v1/audit?limit=2')).body.items;
        return items[0]?.path === '/v1/subscriptions/AUDITED/disable' && items[0]?.role === 'owner' ? items : undefined;
      },
      { description: "the owner's calls recorded" },
    );
    expect(created).toMatchObject({ role: 'owner', method: 'PUT', path: '/v1/subscriptions/OWNED', baseCode: 'OWNED', status: 201 });
    expect(refused).toMatchObject({ role: 'owner', actor: created.actor, baseCode: 'AUDITED', status: 403, errorCode: 'forbidden' });
  });

  it('pages with limit and after, newest first', async () => {
    const all = (await adminCall(bus, 'GET', '/v1/audit')).body.items as Array<{ id: string }>;
    expect(all.length).toBeGreaterThanOrEqual(9);
    const first = await adminCall(bus, 'GET', '/v1/audit?limit=2');
    expect(first.body.items.map((e: { id: string }) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    expect(first.body.next).toBe(all[1]!.id);
    const second = await adminCall(bus, 'GET', `/v1/audit?limit=2&after=${first.body.next}`);
    expect(second.body.items.map((e: { id: string }) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
    const rest = await adminCall(bus, 'GET', `/v1/audit?limit=500&after=${all[all.length - 2]!.id}`);
    expect(rest.body).toEqual({ items: [all[all.length - 1]] });
  });

  it('keeps a bounded log (ORDERBUS_AUDIT_MAX_ENTRIES) in a Redis stream under <prefix>:audit', async () => {
    for (let i = 0; i < 149; i++) await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/disable', { body: {} });
    const last = await adminCall(bus, 'POST', '/v1/subscriptions/AUDITED/disable', { body: {} });
    const redis = new Redis(bus.redis.url);
    try {
      await waitUntil(async () => (await adminCall(bus, 'GET', '/v1/audit?limit=1')).body.items[0]?.requestId === last.headers.get('x-request-id'), {
        description: 'the last call recorded',
      });
      expect(await redis.xlen(`${bus.prefix}:audit`)).toBe(100);
      expect(await redis.type(`${bus.prefix}:audit`)).toBe('stream');
    } finally {
      redis.disconnect();
    }
  });

  it('answers 400 bad_request for a bad cursor or limit', async () => {
    for (const query of ['after=yesterday', 'after=1-2-3', 'limit=0', 'limit=501', 'limit=x']) {
      const res = await adminCall(bus, 'GET', `/v1/audit?${query}`);
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'bad_request']);
    }
  });

  it('requires a token to read the log; a viewer may read it', async () => {
    await expectAuthRules(bus, 'GET', '/v1/audit', { acting: false });
  });
});
