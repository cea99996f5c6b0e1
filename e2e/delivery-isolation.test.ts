import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { ofEvent } from './support/delivery';

const CONCURRENCY = 2;
const HANG_MS = 4000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('a hanging subscription does not slow down a healthy one', () => {
  let bus: TestBus;
  let hanging: TestReceiver;
  let healthy: TestReceiver;
  let open = 0;
  let maxOpen = 0;

  beforeAll(async () => {
    bus = await startBus({
      env: { ORDERBUS_DELIVERY_CONCURRENCY: String(CONCURRENCY), ORDERBUS_DELIVERY_TIMEOUT_MS: String(HANG_MS + 2000), ORDERBUS_RETRY_SCHEDULE: '0,10s' },
    });
    hanging = await startReceiver();
    healthy = await startReceiver();
    await bus.subscribe('HANGS', hanging.url, { dataAreas: ['hang'] });
    await bus.subscribe('HEALTHY', healthy.url, { dataAreas: ['fwwt'] });
    await bus.waitForWorkers(['HANGS', 'HEALTHY']);
    // From now on every request to HANGS is held for HANG_MS.
    hanging.behave(async (_request, res) => {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      await new Promise((r) => setTimeout(r, HANG_MS));
      open -= 1;
      if (!res.destroyed) res.writeHead(500).end();
    });
  });
  afterAll(async () => {
    await bus.close();
    await Promise.all([hanging.close(), healthy.close()]);
  });

  /** Sends `count` events to HEALTHY one after the other; returns each one's send-to-arrival latency. */
  async function healthyLatencies(label: string, count: number): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const eventId = `${label}-${i}`;
      const sent = Date.now();
      // Each event its own work order: per-order sequencing plays no part here.
      expect((await bus.send(workOrderEvent({ eventId, serviceOrderId: `order-${eventId}` }))).status).toBe(202);
      const [arrived] = await healthy.waitForRequests(1, { filter: ofEvent(eventId) });
      latencies.push(arrived!.receivedAt - sent);
    }
    return latencies;
  }

  it('keeps the healthy latency close to its baseline while the other holds its in-flight cap', async () => {
    const baseline = await healthyLatencies('baseline', 15);

    // 30 events for the hanging receiver: it can hold at most CONCURRENCY of the worker's slots.
    const stuck = Array.from({ length: 30 }, (_, i) => workOrderEvent({ eventId: `stuck-${i}`, dataArea: 'hang', serviceOrderId: `stuck-order-${i}` }));
    expect((await bus.send({ events: stuck })).status).toBe(202);
    await waitUntil(() => open === CONCURRENCY, { description: `${CONCURRENCY} requests held by the hanging receiver` });
    const started = Date.now();
    const loaded = await healthyLatencies('loaded', 15);
    const window = Date.now() - started;

    const [base, load] = [median(baseline), median(loaded)];
    process.stdout.write(`healthy median latency: baseline ${base} ms, next to a hanging subscription ${load} ms (window ${window} ms)\n`);
    // Generous: the machine is shared; what matters is that it is nowhere near the hang (4 s).
    expect(load).toBeLessThan(Math.max(3 * base, base + 250));
    expect(Math.max(...loaded)).toBeLessThan(HANG_MS / 2);
    // The hanging subscription never had more than its cap in flight, and nothing more was started meanwhile.
    expect(maxOpen).toBe(CONCURRENCY);
    if (window < HANG_MS - 500) expect(hanging.requests.filter((r) => r.path === '/callback' && r.headers['x-orderbus-event-id']?.startsWith('stuck-'))).toHaveLength(CONCURRENCY);
    expect((await bus.counts('HANGS')).waiting).toBeGreaterThanOrEqual(30 - CONCURRENCY - 1);
  });
});
