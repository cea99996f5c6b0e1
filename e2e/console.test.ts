import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startReceiver, SUCCESS_REPLY, waitUntil, type ReceivedRequest, type TestReceiver } from '@orderbus/testkit';
import { OPERATOR_TOKEN, startBus, VIEWER_TOKEN, type TestBus } from './support/bus';
import { adminCall } from './support/admin-http';
import { launchBrowser, SCREENSHOTS_DIR, type TestBrowser } from './support/browser';
import { workOrderEvent } from './support/events';

jest.setTimeout(120_000);

const BUILT_CONSOLE = join(__dirname, '..', 'apps', 'admin', 'dist', 'web');
const WORK_ORDER = 'WO-CONSOLE-4711';
const FAILURE = { status: 500, body: { success: false, message: 'database is read-only' } };
const isDelivery = (r: ReceivedRequest): boolean => r.headers['x-orderbus-event-id'] !== undefined;

/**
 * The web console in a real browser against a running bus with real data: a
 * healthy subscription, and one whose receiver answers 500 until it is fixed.
 */
describe('web console (Chromium)', () => {
  let bus: TestBus;
  let good: TestReceiver;
  let flaky: TestReceiver;
  let browser: TestBrowser;
  let page: Page;
  const events = [1, 2, 3].map((changeId) => workOrderEvent({ changeId, serviceOrderId: WORK_ORDER }));

  beforeAll(async () => {
    // npm test builds the console (vite) before jest; the admin app serves dist/web.
    expect(existsSync(join(BUILT_CONSOLE, 'index.html'))).toBe(true);
    bus = await startBus({
      env: {
        ORDERBUS_RETRY_SCHEDULE: '50ms,50ms',
        ORDERBUS_RETRY_JITTER: '0',
        ORDERBUS_HEALTH_FAILING_AFTER_FAILURES: '3',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '1000',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '3600000',
      },
    });
    good = await startReceiver();
    flaky = await startReceiver();
    await bus.subscribe('GOODSYS', good.url);
    await bus.subscribe('FLAKYSYS', flaky.url);
    // Enabled after a successful handshake; from now on its receiver fails.
    flaky.behave(FAILURE);
    const idle = await adminCall(bus, 'PUT', '/v1/subscriptions/IDLESYS', { body: { callbackUrl: good.url, systemName: '闲置系统', contact: { name: 'Idle', email: 'idle@example.com' } } });
    expect(idle.status).toBe(201);
    await bus.waitForWorkers(['FLAKYSYS', 'GOODSYS']);

    for (const event of events) expect((await bus.send(event)).body.queuedFor).toBe(2);
    await good.waitForRequests(3, { filter: isDelivery });
    await waitUntil(async () => (await adminCall(bus, 'GET', '/v1/subscriptions/FLAKYSYS/queue')).body.deadLetters === 3, {
      timeoutMs: 30_000,
      description: 'the three events dead-lettered at FLAKYSYS',
    });
    browser = await launchBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await bus?.close();
    await good?.close();
    await flaky?.close();
  });

  it('logs in with an admin token (a wrong one is refused) and shows who and which role', async () => {
    await page.goto(`${bus.adminUrl}/`);
    expect(page.url()).toBe(`${bus.adminUrl}/console/`);
    await page.getByLabel('Admin token').fill('not-a-token');
    await browser.screenshot('login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token is not valid.' }).waitFor();

    await page.getByLabel('Admin token').fill(OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('who').filter({ hasText: 'ops' }).waitFor();
    expect(await page.getByTestId('who').textContent()).toContain('operator');
    // The session cookie (for /queues) is HttpOnly: page scripts cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookies = await browser.context.cookies(bus.adminUrl);
    expect(cookies.find((c) => c.name === 'orderbus_admin')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('overview: the failing subscription stands out with its last error', async () => {
    const row = page.getByTestId('row-FLAKYSYS');
    await row.waitFor();
    await row.getByTestId('health').filter({ hasText: 'failing' }).waitFor();
    expect(await row.getAttribute('class')).toContain('alarm');
    expect(await row.getByTestId('last-error').textContent()).toContain('500');
    // Problems come first.
    const order = await page.locator('[data-testid^="row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(order).toEqual(['row-FLAKYSYS', 'row-GOODSYS', 'row-IDLESYS']);
    expect(await page.getByTestId('row-GOODSYS').getAttribute('class')).not.toContain('alarm');
    expect(await page.getByTestId('row-IDLESYS').getByTestId('status').textContent()).toBe('disabled');
    expect(await page.getByTestId('stat-failing').textContent()).toContain('1');
    await browser.screenshot('overview');

    // Filters narrow the list through the API.
    await page.getByTestId('filter-health').selectOption('failing');
    await waitUntil(async () => (await page.locator('[data-testid^="row-"]').count()) === 1, { description: 'only the failing row' });
    await page.getByTestId('filter-health').selectOption('');
    await page.getByTestId('filter-status').selectOption('disabled');
    await page.getByTestId('row-IDLESYS').waitFor();
    await waitUntil(async () => (await page.locator('[data-testid^="row-"]').count()) === 1, { description: 'only the disabled row' });
    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('row-GOODSYS').waitFor();
  });

  it('subscription page: reads the last error and the dead letters', async () => {
    await page.getByRole('link', { name: 'FLAKYSYS' }).click();
    await page.getByTestId('subscription-page').waitFor();
    const lastError = page.getByTestId('health-last-error');
    await lastError.filter({ hasText: '500' }).waitFor();
    expect(await lastError.textContent()).toContain('database is read-only');
    for (const event of events) await page.getByTestId(`dead-letter-${event.eventId}`).waitFor();
    expect(await page.getByTestId('details').textContent()).toContain('flakysys@example.com');
    // The health chart and the attempts history are drawn.
    await page.locator('[data-testid="chart-attempts"] canvas').waitFor();
    expect(await page.getByTestId('attempts').locator('tbody tr').count()).toBeGreaterThanOrEqual(9);
    await browser.screenshot('subscription-failing');
  });

  it('replays the dead letters once the receiver is fixed, and they are delivered', async () => {
    flaky.behave({ status: 200, body: SUCCESS_REPLY });
    await page.getByTestId('replay-all').click();
    await page.getByTestId('outcome').filter({ hasText: 'Replayed 3 dead letters.' }).waitFor();
    const delivered = await flaky.waitForRequests(3, { filter: (r) => isDelivery(r) && r.headers['webhook-id'] !== undefined && r.rawBody.length > 0, timeoutMs: 20_000 });
    const deliveredIds = new Set(flaky.requests.filter(isDelivery).map((r) => r.headers['x-orderbus-event-id']));
    for (const event of events) expect(deliveredIds.has(event.eventId)).toBe(true);
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    // The page follows: no dead letters left, three delivered.
    await page.getByTestId('dead-letters').getByText('No dead letters.').waitFor({ timeout: 20_000 });
    await page.getByTestId('queue-completed').filter({ hasText: '3' }).waitFor({ timeout: 20_000 });
    await browser.screenshot('subscription-replayed');
  });

  it('disables and enables the subscription, showing a failed connect handshake', async () => {
    await page.getByTestId('action-disable').click();
    await page.getByTestId('reason').fill('receiver maintenance');
    await page.getByTestId('confirm').click();
    await page.getByTestId('outcome').filter({ hasText: 'Disabled' }).waitFor();
    await page.getByTestId('status').filter({ hasText: 'disabled' }).first().waitFor();
    expect((await adminCall(bus, 'GET', '/v1/subscriptions/FLAKYSYS')).body).toMatchObject({ status: 'disabled', statusReason: 'receiver maintenance' });

    // The receiver refuses the connect request: enabling fails and says how.
    flaky.behave(FAILURE);
    await page.getByTestId('action-enable').click();
    await page.getByTestId('confirm').click();
    const handshake = page.getByTestId('handshake');
    await handshake.waitFor();
    expect(await handshake.textContent()).toContain('HTTP 500');
    await browser.screenshot('subscription-handshake-failed');
    expect((await adminCall(bus, 'GET', '/v1/subscriptions/FLAKYSYS')).body.status).toBe('disabled');

    flaky.behave({ status: 200, body: SUCCESS_REPLY });
    await page.getByTestId('action-enable').click();
    await page.getByTestId('reason').fill('receiver fixed');
    await page.getByTestId('confirm').click();
    await page.getByTestId('outcome').filter({ hasText: 'Enabled' }).waitFor();
    await page.getByTestId('status').filter({ hasText: 'enabled' }).first().waitFor();
    expect((await adminCall(bus, 'GET', '/v1/subscriptions/FLAKYSYS')).body.status).toBe('enabled');
  });

  it('pauses and resumes the queue, and rotates the signing secret showing the new one once', async () => {
    await page.getByTestId('action-pause').click();
    await page.getByTestId('action-resume').waitFor();
    expect((await adminCall(bus, 'GET', '/v1/subscriptions/FLAKYSYS/queue')).body.paused).toBe(true);
    await page.getByTestId('action-resume').click();
    await page.getByTestId('action-pause').waitFor();
    expect((await adminCall(bus, 'GET', '/v1/subscriptions/FLAKYSYS/queue')).body.paused).toBe(false);

    await page.getByTestId('action-rotate').click();
    const secret = page.getByTestId('new-secret');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_/);
    await browser.screenshot('subscription-secret-rotated');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('new-secret').count()).toBe(0);
  });

  it('event search by event id: the timeline of the event at every subscription, attempt by attempt', async () => {
    const event = events[0]!;
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByTestId('search-mode').selectOption('eventId');
    await page.getByTestId('search-text').fill(event.eventId);
    await page.getByRole('button', { name: 'Search' }).click();
    const card = page.getByTestId(`event-${event.eventId}`);
    await card.waitFor();
    await card.getByTestId('delivery-GOODSYS').waitFor();
    const flakyDelivery = card.getByTestId('delivery-FLAKYSYS');
    await flakyDelivery.waitFor();
    // Three failed attempts, then the replayed one delivered.
    expect(await flakyDelivery.locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    expect(await flakyDelivery.locator('tbody tr.failed').count()).toBeGreaterThanOrEqual(3);
    await browser.screenshot('event');
  });

  it('event search by work order (serviceOrderId): every event of the order', async () => {
    await page.getByTestId('search-mode').selectOption('serviceOrderId');
    await page.getByTestId('search-text').fill(WORK_ORDER);
    await page.getByRole('button', { name: 'Search' }).click();
    const shown = await Promise.race([
      page.getByTestId(`event-${events[0]!.eventId}`).waitFor().then(() => 'events' as const),
      page.getByTestId('unavailable').waitFor().then(() => 'unavailable' as const),
    ]);
    await browser.screenshot('events');
    if (shown === 'unavailable') throw new Error('GET /v1/events?serviceOrderId= is not served yet: the console shows "not available".');
    for (const event of events) await page.getByTestId(`event-${event.eventId}`).waitFor();
    expect(await page.getByTestId('delivery-FLAKYSYS').count()).toBe(3);
    await browser.screenshot('events');
  });

  it('live view: throughput and latency of the last minutes', async () => {
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByTestId('live-page').waitFor();
    await waitUntil(async () => Number(await page.getByTestId('live-delivered').locator('.stat-value').textContent()) >= 6, {
      timeoutMs: 15_000,
      description: 'six deliveries counted in the live view',
    });
    await page.locator('[data-testid="chart-throughput"] canvas').waitFor();
    await browser.screenshot('live');
  });

  it('audit log: the actions just taken, with who did them', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    const table = page.getByTestId('audit');
    await table.waitFor();
    const text = await table.textContent();
    for (const action of ['/v1/subscriptions/FLAKYSYS/dead-letters/replay', '/v1/subscriptions/FLAKYSYS/disable', '/v1/subscriptions/FLAKYSYS/enable', '/v1/subscriptions/FLAKYSYS/rotate-secret']) {
      expect([action, text?.includes(action)]).toEqual([action, true]);
    }
    expect(text).toContain('handshake_failed');
    await browser.screenshot('audit');
  });

  it('opens bull-board at /queues with the session cookie', async () => {
    const [board] = await Promise.all([browser.context.waitForEvent('page'), page.getByTestId('queues-link').click()]);
    await board.waitForLoadState();
    expect(board.url()).toBe(`${bus.adminUrl}/queues`);
    await board.getByText('FLAKYSYS').first().waitFor();
    await board.getByText('GOODSYS').first().waitFor();
    await browser.screenshot('queues', board);
    await board.close();
  });

  it('a viewer sees everything but cannot act', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Admin token').fill(VIEWER_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('who').filter({ hasText: 'viewer' }).waitFor();
    await page.getByText('Read-only: this is a viewer token').waitFor();
    await page.goto(`${bus.adminUrl}/console/#/subscriptions/GOODSYS`);
    await page.getByTestId('subscription-page').waitFor();
    for (const action of ['action-disable', 'action-pause', 'action-rotate', 'replay-all']) {
      expect([action, await page.getByTestId(action).isDisabled()]).toEqual([action, true]);
    }
    await browser.screenshot('viewer');
  });

  it('wrote the screenshots of the main pages', () => {
    for (const name of ['login', 'overview', 'subscription-failing', 'subscription-replayed', 'subscription-handshake-failed', 'event', 'events', 'live', 'audit', 'queues', 'viewer']) {
      const file = join(SCREENSHOTS_DIR, `${name}.png`);
      expect([name, existsSync(file) && statSync(file).size > 5000]).toEqual([name, true]);
    }
  });
});
