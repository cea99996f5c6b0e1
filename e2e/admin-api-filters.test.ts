import { startReceiver, waitUntil } from '@orderbus/testkit';
import { startBus, VIEWER_TOKEN, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { adminCall } from './support/admin-http';

describe('admin API: GET /v1/subscriptions filters (status, health, dataArea)', () => {
  let bus: TestBus;
  const register = async (baseCode: string, dataAreas: '*' | string[]): Promise<void> => {
    const res = await adminCall(bus, 'PUT', `/v1/subscriptions/${baseCode}`, {
      body: { callbackUrl: `http://127.0.0.1:9/${baseCode}`, scope: { dataAreas }, contact: { name: baseCode, email: `${baseCode.toLowerCase()}@example.com` } },
    });
    expect(res.status).toBe(201);
  };
  const list = async (query: string): Promise<string[]> => {
    const res = await adminCall(bus, 'GET', `/v1/subscriptions${query}`, { token: VIEWER_TOKEN });
    expect(res.status).toBe(200);
    return res.body.items.map((s: { baseCode: string }) => s.baseCode);
  };

  beforeAll(async () => {
    bus = await startBus({ workers: false });
    await register('ALLAREAS', '*');
    await register('FWWT', ['fwwt']);
    await register('FWWTSBWX', ['fwwt', 'sbwx']);
    await register('SBWX', ['sbwx']);
    // Disabled without a handshake: an operator's disable always works.
    for (const baseCode of ['FWWT', 'SBWX']) {
      const res = await adminCall(bus, 'POST', `/v1/subscriptions/${baseCode}/disable`, { body: { reason: 'test' } });
      expect(res.status).toBe(200);
    }
  });

  afterAll(async () => {
    await bus.close();
  });

  it('filters by status', async () => {
    expect(await list('?status=disabled')).toEqual(['ALLAREAS', 'FWWT', 'FWWTSBWX', 'SBWX']);
    expect(await list('?status=enabled')).toEqual([]);
    expect(await list('?status=auto-disabled')).toEqual([]);
  });

  it('filters by dataArea: the subscriptions whose scope includes it, "*" included', async () => {
    expect(await list('?dataArea=fwwt')).toEqual(['ALLAREAS', 'FWWT', 'FWWTSBWX']);
    expect(await list('?dataArea=sbwx')).toEqual(['ALLAREAS', 'FWWTSBWX', 'SBWX']);
    expect(await list('?dataArea=10008')).toEqual(['ALLAREAS']);
  });

  it('filters by health: subscriptions that never delivered are unknown', async () => {
    expect(await list('?health=unknown')).toEqual(['ALLAREAS', 'FWWT', 'FWWTSBWX', 'SBWX']);
    expect(await list('?health=failing')).toEqual([]);
    expect(await list('?health=healthy')).toEqual([]);
  });

  it('combines filters with each other and with paging', async () => {
    expect(await list('?dataArea=fwwt&health=unknown&status=disabled')).toEqual(['ALLAREAS', 'FWWT', 'FWWTSBWX']);
    const first = await adminCall(bus, 'GET', '/v1/subscriptions?dataArea=sbwx&limit=2');
    expect(first.body.items.map((s: { baseCode: string }) => s.baseCode)).toEqual(['ALLAREAS', 'FWWTSBWX']);
    expect(first.body.next).toBe('FWWTSBWX');
    const second = await adminCall(bus, 'GET', `/v1/subscriptions?dataArea=sbwx&limit=2&after=${first.body.next}`);
    expect(second.body).toMatchObject({ items: [expect.objectContaining({ baseCode: 'SBWX' })] });
    expect(second.body.next).toBeUndefined();
  });

  it('answers 400 bad_request naming the allowed values', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?status=broken', /status must be one of disabled, enabled, auto-disabled/],
      ['?health=sick', /health must be one of healthy, degraded, failing, unknown/],
      ['?dataArea=no%20spaces', /dataArea must match/],
      ['?dataArea=a&dataArea=b', /dataArea must match/],
    ];
    for (const [query, message] of cases) {
      const res = await adminCall(bus, 'GET', `/v1/subscriptions${query}`);
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'bad_request']);
      expect(res.body.error.message).toMatch(message);
    }
  });

  it('requires a token', async () => {
    expect((await adminCall(bus, 'GET', '/v1/subscriptions?status=enabled', { token: null })).status).toBe(401);
    expect((await adminCall(bus, 'GET', '/v1/subscriptions?status=enabled', { token: 'nope' })).status).toBe(401);
  });

  it('filters by health as deliveries succeed and fail', async () => {
    const live = await startBus({ redis: bus.redis, env: { ORDERBUS_HEALTH_FAILING_AFTER_FAILURES: '2', ORDERBUS_RETRY_SCHEDULE: '50ms', ORDERBUS_RETRY_JITTER: '0' } });
    const ok = await startReceiver();
    const bad = await startReceiver();
    try {
      await live.subscribe('WORKS', ok.url, { dataAreas: ['health'] });
      await live.subscribe('FAILS', bad.url, { dataAreas: ['health'] });
      bad.behave({ status: 503, body: { success: false, message: 'down' } });
      await live.waitForWorkers(['FAILS', 'WORKS']);
      for (let i = 0; i < 2; i++) expect((await live.send(workOrderEvent({ dataArea: 'health' }))).body.queuedFor).toBe(2);
      const byHealth = async (health: string): Promise<string[]> =>
        (await adminCall(live, 'GET', `/v1/subscriptions?health=${health}`)).body.items.map((s: { baseCode: string }) => s.baseCode);
      await waitUntil(async () => (await byHealth('failing')).join() === 'FAILS', { timeoutMs: 15_000, description: 'FAILS failing' });
      await waitUntil(async () => (await byHealth('healthy')).join() === 'WORKS', { timeoutMs: 15_000, description: 'WORKS healthy' });
      expect(await byHealth('degraded')).toEqual([]);
      expect(await byHealth('unknown')).toEqual([]);
      expect((await adminCall(live, 'GET', '/v1/subscriptions?health=failing&status=enabled&dataArea=health')).body.items.map((s: { baseCode: string }) => s.baseCode)).toEqual(['FAILS']);
    } finally {
      await live.close();
      await ok.close();
      await bad.close();
    }
  });
});
