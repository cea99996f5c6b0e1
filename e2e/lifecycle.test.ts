import { startReceiver, startSmtpServer, waitUntil, type TestReceiver, type TestSmtpServer } from '@orderbus/testkit';
import { OPERATOR_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';

const isEvent = (id: string) => (r: { headers: Record<string, string> }) => r.headers['x-orderbus-event-id'] === id;

describe('subscription lifecycle: health, alert e-mail, auto-disable, re-enable', () => {
  let bus: TestBus;
  let smtp: TestSmtpServer;
  let flaky: TestReceiver;
  let healthy: TestReceiver;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    bus = await startBus({
      env: {
        ORDERBUS_SMTP_URL: smtp.url,
        ORDERBUS_MAIL_FROM: 'orderbus <alerts@orderbus.test>',
        ORDERBUS_RETRY_SCHEDULE: '50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms',
        ORDERBUS_RETRY_JITTER: '0',
        ORDERBUS_HEALTH_FAILING_AFTER_FAILURES: '3',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '12',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '300',
        ORDERBUS_ALERT_THROTTLE_MS: '600000',
      },
    });
    flaky = await startReceiver();
    healthy = await startReceiver();
  });
  afterAll(async () => {
    await bus.close();
    await Promise.all([flaky.close(), healthy.close(), smtp.close()]);
  });

  it('starts disabled and stays disabled when the connect handshake fails, with the reason', async () => {
    flaky.behave({ status: 503, body: { success: false, message: 'deploying' } });
    const put = await bus.admin('PUT', '/v1/subscriptions/FLAKY', {
      callbackUrl: flaky.url,
      contact: { name: 'Flaky team', email: 'flaky@example.com' },
    });
    expect(put.body.status).toBe('disabled');

    const enable = await bus.admin('POST', '/v1/subscriptions/FLAKY/enable', {});
    expect(enable.status).toBe(502);
    expect(enable.body.error.code).toBe('handshake_failed');
    expect(enable.body.error.handshake).toMatchObject({ ok: false, status: 503, resultClass: 'http_5xx' });
    expect(enable.body.error.message).toContain('503');
    expect((await bus.admin('GET', '/v1/subscriptions/FLAKY')).body.status).toBe('disabled');

    // The connect request is seed 002's reachability request, signed like a delivery.
    const [connect] = await flaky.waitForRequests(1);
    expect(connect!.body).toMatchObject({ baseInfo: { topic: 'connect' }, baseCode: 'FLAKY' });
    expect(connect!.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('auto-disables a persistently failing subscription with one failure alert and one disable notice; others go on', async () => {
    flaky.behave({ status: 200, body: { success: true } });
    const enabled = await bus.admin('POST', '/v1/subscriptions/FLAKY/enable', { reason: 'integration done' });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'enabled', statusChangedBy: 'admin:ops', statusReason: 'integration done', handshake: { ok: true } });
    await bus.subscribe('HEALTHY', healthy.url);
    await bus.waitForWorkers(['FLAKY', 'HEALTHY']);

    flaky.behave({ status: 500, body: 'internal error' });
    const firstWave = Array.from({ length: 6 }, (_, i) => workOrderEvent({ eventId: `wave1-${i}`, serviceOrderId: `order-${i}` }));
    for (const event of firstWave) expect((await bus.send(event)).body.queuedFor).toBe(2);

    await waitUntil(async () => (await bus.admin('GET', '/v1/subscriptions/FLAKY')).body.status === 'auto-disabled', {
      timeoutMs: 30_000,
      description: 'FLAKY auto-disabled',
    });
    const subscription = (await bus.admin('GET', '/v1/subscriptions/FLAKY')).body;
    expect(subscription.statusChangedBy).toBe('orderbus');
    expect(subscription.statusReason).toMatch(/failed delivery attempts in a row/);

    const health = (await bus.admin('GET', '/v1/subscriptions/FLAKY/health')).body;
    expect(health.state).toBe('failing');
    expect(health.consecutiveFailures).toBeGreaterThanOrEqual(12);
    expect(health.lastError).toMatchObject({ status: 500, resultClass: 'http_5xx' });

    // Healthy deliveries went on meanwhile.
    for (const event of firstWave) await healthy.waitForRequests(1, { filter: isEvent(event.eventId) });

    const mails = await smtp.waitForMails(2, { filter: (m) => m.to.includes('flaky@example.com') });
    // Give a storm of further attempts time to (wrongly) send more mail.
    await new Promise((r) => setTimeout(r, 500));
    const flakyMails = smtp.mails.filter((m) => m.to.includes('flaky@example.com'));
    expect(flakyMails.map((m) => m.subject)).toEqual([
      '[orderbus] Deliveries to FLAKY are failing',
      '[orderbus] Subscription FLAKY was disabled automatically',
    ]);
    expect(mails[0]!.text).toContain('http_5xx');
    expect(mails[0]!.text).toMatch(/wave1-\d/);
    expect(mails[1]!.text).toContain('re-enable');
    expect(mails[1]!.html).toContain('<table');
    expect(smtp.mails.filter((m) => m.to.includes('healthy@example.com'))).toHaveLength(0);

    const history = (await bus.admin('GET', '/v1/subscriptions/FLAKY/status-history')).body.items;
    expect(history.map((h: { status: string }) => h.status)).toEqual(['auto-disabled', 'enabled', 'created']);
  });

  it('keeps queueing for an auto-disabled subscription, refuses re-enable while the receiver is broken, and delivers the backlog after the fix', async () => {
    // The same work order as wave1-0, which is still owed to FLAKY: these must wait behind it.
    const secondWave = Array.from({ length: 4 }, (_, i) => workOrderEvent({ eventId: `wave2-${i}`, serviceOrderId: 'order-0' }));
    for (const event of secondWave) expect((await bus.send(event)).body.queuedFor).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(flaky.requests.filter((r) => r.headers['x-orderbus-event-id']?.startsWith('wave2-'))).toHaveLength(0);

    const refused = await bus.admin('POST', '/v1/subscriptions/FLAKY/enable', {});
    expect(refused.status).toBe(502);
    expect((await bus.admin('GET', '/v1/subscriptions/FLAKY')).body.status).toBe('auto-disabled');

    flaky.behave({ status: 200, body: { success: true, statusCode: 200 } });
    const reEnabled = await bus.admin('POST', '/v1/subscriptions/FLAKY/enable', { reason: 'fixed the database' });
    expect(reEnabled.status).toBe(200);
    expect(reEnabled.body.status).toBe('enabled');

    const reEnabledAt = Date.now();
    for (const id of [...Array.from({ length: 6 }, (_, i) => `wave1-${i}`), ...secondWave.map((e) => e.eventId)]) {
      await flaky.waitForRequests(1, { filter: (r) => isEvent(id)(r) && r.receivedAt > 0, timeoutMs: 20_000 });
    }
    // Order kept across the auto-disable: work order order-0 arrives wave1-0 first, then wave2-0..3 in acceptance order.
    const orderZero = flaky.requests
      .filter((r) => r.receivedAt >= reEnabledAt && ['wave1-0', ...secondWave.map((e) => e.eventId)].includes(r.headers['x-orderbus-event-id'] ?? ''))
      .map((r) => r.headers['x-orderbus-event-id']);
    expect(orderZero.filter((id, i) => id !== orderZero[i - 1])).toEqual(['wave1-0', 'wave2-0', 'wave2-1', 'wave2-2', 'wave2-3']);
    const mail = await smtp.waitForMails(3, { filter: (m) => m.to.includes('flaky@example.com') });
    expect(mail[2]!.subject).toBe('[orderbus] Subscription FLAKY is enabled again');
    expect((await bus.admin('GET', '/v1/subscriptions/FLAKY/health')).body.state).not.toBe('failing');
  });

  it('lets a registration credential manage its own baseCode only', async () => {
    const issued = await bus.admin('POST', '/v1/subscriptions/SELFREG/credentials', {});
    expect(issued.status).toBe(201);
    const credential = issued.body.credential as string;
    expect(credential.startsWith('obr_SELFREG.')).toBe(true);

    // The subscriber registers itself on start-up.
    const own = await bus.admin('PUT', '/v1/subscriptions/SELFREG', { callbackUrl: healthy.url, contact: { name: 'Self', email: 'self@example.com' } }, credential);
    expect(own.status).toBe(201);
    expect(own.body.signingSecret).toMatch(/^whsec_/);
    const enabledByOwner = await bus.admin('POST', '/v1/subscriptions/SELFREG/enable', {}, credential);
    expect(enabledByOwner.body).toMatchObject({ status: 'enabled', statusChangedBy: 'owner:SELFREG' });
    expect((await bus.admin('GET', '/v1/subscriptions/SELFREG/health', undefined, credential)).status).toBe(200);

    for (const [method, path] of [
      ['PUT', '/v1/subscriptions/HEALTHY'],
      ['GET', '/v1/subscriptions/HEALTHY'],
      ['POST', '/v1/subscriptions/HEALTHY/disable'],
      ['GET', '/v1/subscriptions'],
      ['DELETE', '/v1/subscriptions/SELFREG'],
      ['POST', '/v1/subscriptions/SELFREG/credentials'],
    ] as const) {
      const res = await bus.admin(method, path, method === 'GET' || method === 'DELETE' ? undefined : { callbackUrl: healthy.url, contact: { name: 'x', email: 'x@example.com' } }, credential);
      expect([method, path, res.status]).toEqual([method, path, 403]);
    }
    expect((await bus.admin('GET', '/v1/subscriptions/HEALTHY', undefined, OPERATOR_TOKEN)).body.callbackUrl).toBe(healthy.url);
    expect((await bus.admin('GET', '/v1/subscriptions/SELFREG', undefined, 'obr_SELFREG.wrong')).status).toBe(401);
  });
});
