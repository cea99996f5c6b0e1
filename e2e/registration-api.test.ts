import { startReceiver, type TestReceiver } from '@orderbus/testkit';
import { OPERATOR_TOKEN, VIEWER_TOKEN, startBus, type TestBus } from './support/bus';

const valid = {
  systemName: 'XX系统',
  callbackUrl: 'http://127.0.0.1:9/callback',
  scope: { dataAreas: ['fwwt'], changeIds: [1, 2, 3] },
  contact: { name: 'Ops', email: 'ops@example.com' },
};

describe('registration API: /v1/subscriptions', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  beforeAll(async () => {
    bus = await startBus({ workers: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  it('creates a subscription disabled, with a signing secret shown once', async () => {
    const created = await bus.admin('PUT', '/v1/subscriptions/HRZDWYWHXT', valid);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      baseCode: 'HRZDWYWHXT',
      systemName: 'XX系统',
      status: 'disabled',
      scope: { dataAreas: ['fwwt'], changeIds: [1, 2, 3] },
      contact: { name: 'Ops', email: 'ops@example.com' },
    });
    expect(created.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const read = await bus.admin('GET', '/v1/subscriptions/HRZDWYWHXT');
    expect(read.status).toBe(200);
    expect(read.body.signingSecret).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain('whsec_');
  });

  it('updates callback, scope and contact without a new secret and keeps the status', async () => {
    await bus.admin('PUT', '/v1/subscriptions/UPDATEME', valid);
    const updated = await bus.admin('PUT', '/v1/subscriptions/UPDATEME', { ...valid, callbackUrl: 'https://receiver.example.com/hook', scope: undefined });
    expect(updated.status).toBe(200);
    expect(updated.body.callbackUrl).toBe('https://receiver.example.com/hook');
    expect(updated.body.scope).toEqual({ dataAreas: '*', changeIds: '*' });
    expect(updated.body.signingSecret).toBeUndefined();
    expect(updated.body.revision).toBe(2);
  });

  it('422 lists every problem of a bad registration', async () => {
    const res = await bus.admin('PUT', '/v1/subscriptions/BADONE', {
      callbackUrl: 'ftp://x',
      scope: { dataAreas: [], changeIds: [0, 11] },
      contact: { name: '', email: 'not-an-email' },
      color: 'blue',
    });
    expect(res.status).toBe(422);
    const paths = res.body.error.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/callbackUrl', '/contact/email', '/contact/name', '/color']));
    expect(paths.some((p: string) => p.startsWith('/scope/changeIds'))).toBe(true);
    expect((await bus.admin('GET', '/v1/subscriptions/BADONE')).status).toBe(404);
  });

  it('422 for a baseCode that cannot name a queue', async () => {
    const res = await bus.admin('PUT', `/v1/subscriptions/${encodeURIComponent('a:b{c}')}`, valid);
    expect(res.status).toBe(422);
    expect(res.body.error.problems[0].path).toBe('/baseCode');
  });

  it('lists with filters and pagination', async () => {
    for (const code of ['PAGE1', 'PAGE2', 'PAGE3']) await bus.admin('PUT', `/v1/subscriptions/${code}`, { ...valid, callbackUrl: receiver.url });
    await bus.admin('POST', '/v1/subscriptions/PAGE2/enable', {});
    const first = await bus.admin('GET', '/v1/subscriptions?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next).toBeDefined();
    const all: string[] = [...first.body.items.map((s: { baseCode: string }) => s.baseCode)];
    let next = first.body.next;
    while (next) {
      const page = await bus.admin('GET', `/v1/subscriptions?limit=2&after=${next}`);
      all.push(...page.body.items.map((s: { baseCode: string }) => s.baseCode));
      next = page.body.next;
    }
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['PAGE1', 'PAGE2', 'PAGE3']));
    const enabled = await bus.admin('GET', '/v1/subscriptions?status=enabled');
    expect(enabled.body.items.map((s: { baseCode: string }) => s.baseCode)).toEqual(['PAGE2']);
    expect((await bus.admin('GET', '/v1/subscriptions?limit=0')).status).toBe(400);
    expect((await bus.admin('GET', '/v1/subscriptions?status=sleeping')).status).toBe(400);
  });

  it('records who changed the status and why', async () => {
    await bus.admin('PUT', '/v1/subscriptions/AUDITED', valid);
    const disabled = await bus.admin('POST', '/v1/subscriptions/AUDITED/disable', { reason: 'receiver migration' });
    expect(disabled.body).toMatchObject({ status: 'disabled', statusChangedBy: 'admin:ops', statusReason: 'receiver migration' });
  });

  it('deletes a subscription', async () => {
    await bus.admin('PUT', '/v1/subscriptions/DELETEME', valid);
    expect((await bus.admin('DELETE', '/v1/subscriptions/DELETEME')).status).toBe(204);
    expect((await bus.admin('GET', '/v1/subscriptions/DELETEME')).status).toBe(404);
    expect((await bus.admin('DELETE', '/v1/subscriptions/DELETEME')).status).toBe(404);
  });

  it('requires a token, and an operator token to act', async () => {
    expect((await bus.admin('GET', '/v1/subscriptions', undefined, '')).status).toBe(401);
    expect((await bus.admin('GET', '/v1/subscriptions', undefined, `${OPERATOR_TOKEN}-wrong`)).status).toBe(401);
    expect((await bus.admin('GET', '/v1/subscriptions', undefined, VIEWER_TOKEN)).status).toBe(200);
    const viewerPut = await bus.admin('PUT', '/v1/subscriptions/VIEWERTRY', valid, VIEWER_TOKEN);
    expect(viewerPut.status).toBe(403);
    expect(viewerPut.body.error.code).toBe('forbidden');
    expect((await bus.admin('GET', '/v1/subscriptions/VIEWERTRY')).status).toBe(404);
  });
});
