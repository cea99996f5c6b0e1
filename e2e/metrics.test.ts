import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { adminCall } from './support/admin-http';
import { workOrderEvent } from './support/events';
import { parsePrometheusText, sum, type Family } from './support/prometheus';

const FAST_FAILURE_ENV = {
  ORDERBUS_RETRY_SCHEDULE: '50ms,50ms',
  ORDERBUS_RETRY_JITTER: '0',
  ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '1000',
  ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '3600000',
};

async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('Prometheus metrics of the producer, the worker and the admin app', () => {
  let bus: TestBus;
  let ok: TestReceiver;
  let failing: TestReceiver;
  const worker = async () => parsePrometheusText(await bus.worker!.metrics.registry.metrics());

  beforeAll(async () => {
    bus = await startBus({ env: FAST_FAILURE_ENV });
    ok = await startReceiver();
    failing = await startReceiver();
    await bus.subscribe('METRICOK', ok.url, { dataAreas: ['metrics'] });
    await bus.subscribe('METRICBAD', failing.url, { dataAreas: ['metrics-bad'] });
    // Enabling takes a connect handshake the receiver must accept; it fails from then on.
    failing.behave({ status: 500, body: { success: false, message: 'boom' } });
    await bus.waitForWorkers(['METRICBAD', 'METRICOK']);
  });

  afterAll(async () => {
    await bus.close();
    await ok.close();
    await failing.close();
  });

  it('the producer counts accepted and rejected events', async () => {
    const before = await scrape(bus.producerUrl);
    const events = [1, 2, 3].map(() => workOrderEvent({ dataArea: 'metrics' }));
    for (const event of events) expect((await bus.send(event)).status).toBe(202);
    const invalid = workOrderEvent({ dataArea: 'metrics' });
    delete invalid.data.serviceOrderId;
    expect((await bus.send(invalid)).status).toBe(422);

    const after = await scrape(bus.producerUrl);
    expect(sum(after, 'orderbus_events_accepted_total', { changeId: '1', service: 'producer' }) - sum(before, 'orderbus_events_accepted_total', { changeId: '1', service: 'producer' })).toBe(3);
    expect(sum(after, 'orderbus_events_rejected_total', { code: 'validation_failed' }) - sum(before, 'orderbus_events_rejected_total', { code: 'validation_failed' })).toBe(1);
    expect(sum(after, 'orderbus_jobs_enqueued_total') - sum(before, 'orderbus_jobs_enqueued_total')).toBe(3);
    expect(after.get('orderbus_events_accepted_total')?.type).toBe('counter');
    // The default process metrics are there too.
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    await ok.waitForRequests(3, { filter: (r) => events.some((e) => e.eventId === r.headers['x-orderbus-event-id']) });
    // The worker counts an attempt once it has read the answer: let it, so the next test starts from a settled count.
    await waitUntil(async () => sum(await worker(), 'orderbus_deliveries_total', { outcome: 'delivered' }) >= 3, { description: 'the three deliveries counted' });
  });

  it('the worker counts delivery attempts by outcome and times them', async () => {
    const before = await worker();
    const delivered = (f: Map<string, Family>) => sum(f, 'orderbus_deliveries_total', { outcome: 'delivered' });
    const failed = (f: Map<string, Family>) => sum(f, 'orderbus_deliveries_total') - delivered(f);
    const events = [1, 2].map(() => workOrderEvent({ dataArea: 'metrics' }));
    for (const event of events) expect((await bus.send(event)).status).toBe(202);
    expect((await bus.send(workOrderEvent({ dataArea: 'metrics-bad' }))).status).toBe(202);

    const after = await waitUntil(
      async () => {
        const f = await worker();
        return delivered(f) - delivered(before) >= 2 && failed(f) - failed(before) >= 1 ? f : undefined;
      },
      { description: 'delivered and failed attempts counted' },
    );
    expect(delivered(after) - delivered(before)).toBe(2);
    expect(sum(after, 'orderbus_deliveries_total', { outcome: 'delivered', statusClass: '2xx' })).toBeGreaterThanOrEqual(2);
    expect(sum(after, 'orderbus_deliveries_total', { statusClass: '5xx' })).toBeGreaterThanOrEqual(1);
    expect(sum(after, 'orderbus_delivery_duration_seconds_count') - sum(before, 'orderbus_delivery_duration_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(after.get('orderbus_delivery_duration_seconds')?.type).toBe('histogram');
    expect(sum(after, 'orderbus_worker_subscription_queues')).toBe(2);
  });

  it('the admin app reports subscriptions by status and each subscription queue, read on scrape', async () => {
    expect((await adminCall(bus, 'POST', '/v1/subscriptions/METRICOK/pause')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await bus.send(workOrderEvent({ dataArea: 'metrics' }))).status).toBe(202);
    const put = await adminCall(bus, 'PUT', '/v1/subscriptions/METRICNEW', { body: { callbackUrl: ok.url, contact: { name: 'n', email: 'n@example.com' } } });
    expect(put.status).toBe(201);

    const admin = await waitUntil(
      async () => {
        const f = await scrape(bus.adminUrl);
        return sum(f, 'orderbus_subscription_queue_jobs', { baseCode: 'METRICOK', state: 'waiting' }) === 2 ? f : undefined;
      },
      { description: 'two jobs waiting in the paused queue' },
    );
    expect(admin.get('orderbus_subscriptions')?.type).toBe('gauge');
    expect(sum(admin, 'orderbus_subscriptions', { status: 'enabled' })).toBe(2);
    expect(sum(admin, 'orderbus_subscriptions', { status: 'disabled' })).toBe(1);
    expect(sum(admin, 'orderbus_subscriptions', { status: 'auto-disabled' })).toBe(0);
    expect(sum(admin, 'orderbus_subscription_queue_paused', { baseCode: 'METRICOK' })).toBe(1);
    expect(sum(admin, 'orderbus_subscription_queue_paused', { baseCode: 'METRICBAD' })).toBe(0);
    expect(sum(admin, 'orderbus_subscription_queue_oldest_waiting_seconds', { baseCode: 'METRICOK' })).toBeGreaterThan(0);
    // One series per subscription and state: the label values are the registered baseCodes.
    const baseCodes = new Set(admin.get('orderbus_subscription_queue_jobs')!.samples.map((s) => s.labels.baseCode));
    expect([...baseCodes].sort()).toEqual(['METRICBAD', 'METRICNEW', 'METRICOK']);
    expect(admin.get('orderbus_subscription_queue_jobs')!.samples.map((s) => s.labels.state).sort()).toEqual(
      ['active', 'dead_letter', 'delayed', 'waiting'].flatMap((s) => [s, s, s]).sort(),
    );

    // The failing subscription's event becomes a dead letter.
    await waitUntil(async () => sum(await scrape(bus.adminUrl), 'orderbus_subscription_queue_jobs', { baseCode: 'METRICBAD', state: 'dead_letter' }) >= 1, {
      timeoutMs: 25_000,
      description: 'a dead letter counted',
    });

    expect((await adminCall(bus, 'POST', '/v1/subscriptions/METRICOK/resume')).status).toBe(200);
    expect((await adminCall(bus, 'DELETE', '/v1/subscriptions/METRICNEW')).status).toBe(204);
    const later = await waitUntil(
      async () => {
        const f = await scrape(bus.adminUrl);
        return sum(f, 'orderbus_subscription_queue_jobs', { baseCode: 'METRICOK', state: 'waiting' }) === 0 ? f : undefined;
      },
      { description: 'the resumed queue drained' },
    );
    // A deleted subscription's series are gone.
    expect(later.get('orderbus_subscription_queue_jobs')!.samples.some((s) => s.labels.baseCode === 'METRICNEW')).toBe(false);
    expect(sum(later, 'orderbus_subscriptions', { status: 'disabled' })).toBe(0);
  });

  it('the Grafana dashboard queries only metrics the apps export', async () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'infra', 'grafana', 'orderbus.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    const exported = new Set<string>();
    for (const families of [await scrape(bus.producerUrl), await worker(), await scrape(bus.adminUrl)]) {
      for (const family of families.values()) for (const s of family.samples) exported.add(s.name);
      for (const name of families.keys()) exported.add(name);
    }
    // orderbus_emails_sent_total has no series until a mail is sent; its family is declared.
    const used = new Set(exprs.flatMap((e) => e.match(/orderbus_[a-z_]+/g) ?? []));
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    for (const wanted of ['orderbus_events_accepted_total', 'orderbus_events_rejected_total', 'orderbus_deliveries_total', 'orderbus_delivery_duration_seconds_bucket', 'orderbus_subscription_queue_jobs', 'orderbus_subscriptions', 'orderbus_emails_sent_total']) {
      expect([wanted, used.has(wanted)]).toEqual([wanted, true]);
    }
  });
});
