import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryDedupStore,
  SpoolFullError,
  createProducerClient,
  handleDelivery,
  type EventData,
  type EventInput,
  type EventReceipt,
  type EventRejection,
} from '@orderbus/sdk';
import { waitUntil } from '@orderbus/testkit';
import { VALID_PAYLOADS } from '../packages/core/test/helpers/payloads';
import { PRODUCER_KEY, startBus, type TestBus } from './support/bus';
import { startSwitchableProxy, type SwitchableProxy } from './support/switchable-proxy';

jest.setTimeout(90_000);

/** A valid new-order event of its own work order. */
function newOrder(order: string): EventInput<1> {
  return { changeId: 1, dataArea: 'fwwt', data: { ...(VALID_PAYLOADS[1] as EventData<1>), serviceOrderId: order } };
}

/**
 * A receiver built with the SDK (node:http + handleDelivery + dedup) that
 * records, per webhook-id, every arrival with the status it answered, and
 * every time its handler ran.
 */
async function startCountingReceiver(secret: () => string): Promise<{
  url: string;
  arrivals: Map<string, number[]>;
  handled: Map<string, number>;
  close(): Promise<void>;
}> {
  const arrivals = new Map<string, number[]>();
  const handled = new Map<string, number>();
  const dedup = new MemoryDedupStore();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handleDelivery(
        { headers: req.headers, rawBody: Buffer.concat(chunks) },
        (event) => {
          handled.set(event.eventId, (handled.get(event.eventId) ?? 0) + 1);
        },
        { secret: secret(), dedup },
      ).then((answer) => {
        const id = String(req.headers['webhook-id']);
        if (answer.outcome !== 'connect') arrivals.set(id, [...(arrivals.get(id) ?? []), answer.status]);
        res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    arrivals,
    handled,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function register(bus: TestBus, baseCode: string, url: string): Promise<string> {
  const put = await bus.admin('PUT', `/v1/subscriptions/${baseCode}`, { callbackUrl: url, scope: { dataAreas: '*', changeIds: '*' }, contact: { name: 'x', email: 'x@example.com' } });
  if (put.status !== 201) throw new Error(`PUT ${baseCode}: ${put.status} ${JSON.stringify(put.body)}`);
  return put.body.signingSecret;
}

describe('producer client against a live bus', () => {
  let bus: TestBus;
  let proxy: SwitchableProxy;
  let dir: string;
  let secret = '';
  let receiver: Awaited<ReturnType<typeof startCountingReceiver>>;

  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_RETRY_SCHEDULE: '0,200ms,500ms,1s,2s', ORDERBUS_RETRY_JITTER: '0', ORDERBUS_MAX_BATCH: '40' } });
    proxy = await startSwitchableProxy(bus.producerUrl);
    receiver = await startCountingReceiver(() => secret);
    secret = await register(bus, 'PRODCLIENT', receiver.url);
    const enable = await bus.admin('POST', '/v1/subscriptions/PRODCLIENT/enable', {});
    expect(enable.status).toBe(200);
    await bus.waitForWorkers(['PRODCLIENT']);
    dir = mkdtempSync(join(tmpdir(), 'orderbus-sdk-'));
  });
  afterAll(async () => {
    await proxy.close();
    await bus.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives Redis and the network going down and coming back: every event arrives, none is handled twice', async () => {
    const rejected: EventRejection[] = [];
    const retried: string[] = [];
    const client = createProducerClient({
      url: proxy.url,
      key: PRODUCER_KEY,
      batch: { maxEvents: 25, maxWaitMs: 10 },
      retry: { initialDelayMs: 50, maxDelayMs: 400, requestTimeoutMs: 3000 },
      spool: { path: join(dir, 'outage.jsonl'), maxBytes: 8 * 1024 * 1024 },
      onRejected: (r) => rejected.push(r),
      onRetry: (n) => retried.push(`${n.status} ${n.code}`),
    });
    const ids: string[] = [];
    const emitSome = async (count: number, tag: string): Promise<void> => {
      for (let i = 0; i < count; i++) {
        ids.push(await client.emit(newOrder(`${tag}-${i % 20}`)));
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
      }
    };

    await emitSome(100, 'before');
    // Redis is killed once the worker has nothing in flight: a delivery answered 200 whose completion the
    // worker cannot record while Redis is gone is delivered again (at-least-once, which the receiver's dedup
    // absorbs) — that is the bus, not the client this test is about.
    await client.flush({ timeoutMs: 30_000 });
    await waitUntil(() => ids.every((id) => receiver.handled.has(id)), { timeoutMs: 30_000, description: 'the first 100 handled' });
    // Redis dies: the producer answers 503 and the client keeps the events in its spool.
    await bus.redis.kill();
    await emitSome(100, 'redis-down');
    await waitUntil(() => retried.some((r) => r.startsWith('503')), { timeoutMs: 15_000, description: 'a 503 retry' });
    expect(client.stats().pending).toBeGreaterThan(0);
    await bus.redis.start();
    // Then the network between the work-order system and orderbus fails.
    await proxy.down();
    await emitSome(100, 'network-down');
    await waitUntil(() => retried.some((r) => r.startsWith('0 ')), { timeoutMs: 15_000, description: 'a network-error retry' });
    await proxy.up();

    await client.flush({ timeoutMs: 60_000 });
    expect(client.stats()).toMatchObject({ pending: 0, rejected: 0 });
    await client.close();
    expect(rejected).toEqual([]);
    expect(new Set(ids).size).toBe(300);

    await waitUntil(() => ids.every((id) => receiver.handled.has(id)), {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: `all 300 events handled (have ${ids.filter((id) => receiver.handled.has(id)).length})`,
    });
    // Nothing lost, nothing handled twice.
    expect(ids.filter((id) => receiver.handled.get(id) !== 1)).toEqual([]);
    // And the bus never delivered an id twice after a 200 in time: every arrival after the first 200 of an id would be a duplicate.
    const answeredTwice = ids.filter((id) => (receiver.arrivals.get(id) ?? []).filter((s) => s === 200).length > 1);
    expect(answeredTwice).toEqual([]);
    // Retries that reached orderbus twice were recognised by their eventId.
    const accepted = proxy.requests.filter((r) => r.status === 202).flatMap((r) => r.eventIds);
    expect(new Set(accepted)).toEqual(new Set(ids));
  }, 150_000);

  it('keeps the spool across a restart of the work-order system and sends it first, in emit order', async () => {
    const path = join(dir, 'restart.jsonl');
    await proxy.down();
    const first = createProducerClient({ url: proxy.url, key: PRODUCER_KEY, retry: { initialDelayMs: 20, maxDelayMs: 100 }, spool: { path }, closeTimeoutMs: 300 });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await first.emit(newOrder('restart-order')));
    await first.close(); // orderbus unreachable: the 30 events stay in the spool file
    expect(statSync(path).size).toBeGreaterThan(0);

    await proxy.up();
    const before = proxy.requests.length;
    const second = createProducerClient({ url: proxy.url, key: PRODUCER_KEY, spool: { path } });
    expect(second.stats().pending).toBe(30);
    const later = await second.emit(newOrder('restart-order'));
    await second.flush({ timeoutMs: 20_000 });
    await second.close();
    const sent = proxy.requests.slice(before).filter((r) => r.status === 202).flatMap((r) => r.eventIds);
    expect(sent).toEqual([...ids, later]);
    expect(statSync(path).size).toBe(0);
    await waitUntil(() => [...ids, later].every((id) => receiver.handled.get(id) === 1), { timeoutMs: 20_000, description: 'restart events handled' });
  });

  it('reports a 422 and a 409 to onRejected with the problems, and still sends the rest of the batch', async () => {
    const rejected: EventRejection[] = [];
    const accepted: EventReceipt[] = [];
    const client = createProducerClient({ url: bus.producerUrl, key: PRODUCER_KEY, batch: { maxEvents: 10, maxWaitMs: 50 }, onRejected: (r) => rejected.push(r), onAccepted: (r) => accepted.push(...r) });
    const conflictId = `conflict-${Date.now()}`;
    await client.emit({ ...newOrder('ok-0'), eventId: conflictId });
    await client.flush();

    const good1 = await client.emit(newOrder('ok-1'));
    const { trackId: _missing, ...withoutTrackId } = VALID_PAYLOADS[1];
    // What the compiler stops in TypeScript, a JavaScript caller can still send.
    const bad = await client.emit({ changeId: 1, dataArea: 'fwwt', data: withoutTrackId } as unknown as EventInput<1>);
    const conflicting = await client.emit({ ...newOrder('another-order'), eventId: conflictId });
    const good2 = await client.emit(newOrder('ok-2'));
    await client.flush({ timeoutMs: 10_000 });
    await client.close();

    expect(rejected.map((r) => [r.event.eventId, r.status, r.code])).toEqual([
      [bad, 422, 'validation_failed'],
      [conflicting, 409, 'event_conflict'],
    ]);
    expect(rejected[0]!.problems).toEqual([expect.objectContaining({ path: '/data/trackId', code: 'required' })]);
    expect(accepted.map((r) => r.eventId)).toEqual(expect.arrayContaining([conflictId, good1, good2]));
    expect(accepted.map((r) => r.eventId)).not.toContain(bad);
    expect(client.stats()).toMatchObject({ rejected: 2, pending: 0 });
  });

  it('splits a batch the bus finds too large (413) and sends every event', async () => {
    const accepted: EventReceipt[] = [];
    const client = createProducerClient({ url: bus.producerUrl, key: PRODUCER_KEY, batch: { maxEvents: 100, maxWaitMs: 1000 }, onAccepted: (r) => accepted.push(...r) });
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await client.emit(newOrder(`big-${i}`)));
    await client.flush({ timeoutMs: 20_000 });
    await client.close();
    // ORDERBUS_MAX_BATCH is 40: the 100 went in parts, in order.
    expect(accepted.map((r) => r.eventId)).toEqual(ids);
  });
});

describe('producer client: retries, refusals and limits (against a scripted HTTP server)', () => {
  let server: Server;
  let url = '';
  const calls: Array<{ at: number; eventIds: string[] }> = [];
  let script: Array<{ status: number; headers?: Record<string, string>; body?: unknown }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const events = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: Array<{ eventId: string }> }).events;
        calls.push({ at: Date.now(), eventIds: events.map((e) => e.eventId) });
        const next = script.shift() ?? { status: 202 };
        const body = next.status === 202 ? { events: events.map((e) => ({ eventId: e.eventId, duplicate: false, queuedFor: 1 })) } : next.body;
        res.writeHead(next.status, { 'content-type': 'application/json', ...(next.headers ?? {}) }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    calls.length = 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('waits as long as a 429 Retry-After asks, then sends the same eventIds again', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'rate_limited', message: 'slow down' } } }];
    const client = createProducerClient({ url, key: 'k', retry: { initialDelayMs: 10 } });
    const id = await client.emit(newOrder('rl'));
    await client.flush({ timeoutMs: 5000 });
    await client.close();
    expect(calls.map((c) => c.eventIds)).toEqual([[id], [id]]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries 503 with growing, jittered delays, and never retries a 401', async () => {
    script = [503, 503, 503].map((status) => ({ status, body: { error: { code: 'unavailable', message: 'Redis is unreachable' } } }));
    const delays: number[] = [];
    const client = createProducerClient({ url, key: 'k', retry: { initialDelayMs: 40, factor: 2, jitter: 0.2 }, onRetry: (n) => delays.push(n.delayMs) });
    await client.emit(newOrder('r'));
    await client.flush({ timeoutMs: 5000 });
    expect(calls).toHaveLength(4);
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(40 * 2 ** i * 0.8 - 1);
      expect(d).toBeLessThanOrEqual(40 * 2 ** i * 1.2 + 1);
    });

    calls.length = 0;
    script = [{ status: 401, body: { error: { code: 'unauthorized', message: 'The token is not valid.' } } }];
    const rejected: EventRejection[] = [];
    const refused = createProducerClient({ url, key: 'wrong', onRejected: (r) => rejected.push(r) });
    await refused.emit(newOrder('u'));
    await refused.flush({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toHaveLength(1);
    expect(rejected.map((r) => [r.status, r.code])).toEqual([[401, 'unauthorized']]);
    await Promise.all([client.close(), refused.close()]);
  });

  it('rejects emit with a clear error when the spool is full, keeping what it holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orderbus-spool-'));
    const path = join(dir, 'full.jsonl');
    // Nobody listens on this port: every try is a network error.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const client = createProducerClient({ url: deadUrl, key: 'k', spool: { path, maxBytes: 8 * 1024 }, retry: { initialDelayMs: 50 }, closeTimeoutMs: 100 });
    let taken = 0;
    let error: unknown;
    for (let i = 0; i < 100 && !error; i++) {
      try {
        await client.emit(newOrder(`full-${i}`));
        taken += 1;
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(SpoolFullError);
    expect((error as Error).message).toMatch(/spool .*full\.jsonl is full \(\d+ events waiting, limit 8192 bytes\).*NOT taken/);
    expect(taken).toBeGreaterThan(5);
    expect(client.stats().pending).toBe(taken);
    expect(statSync(path).size).toBeLessThanOrEqual(8 * 1024);
    await client.close();

    // Everything taken is still there for the next client, and goes once orderbus answers.
    const next = createProducerClient({ url, key: 'k', spool: { path, maxBytes: 8 * 1024 } });
    expect(next.stats().pending).toBe(taken);
    await next.flush({ timeoutMs: 5000 });
    expect(calls.flatMap((c) => c.eventIds)).toHaveLength(taken);
    await next.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a spool, close() hands back what orderbus never took', async () => {
    const client = createProducerClient({ url: 'http://127.0.0.1:9', key: 'k', retry: { initialDelayMs: 20 }, closeTimeoutMs: 200 });
    const id = await client.emit(newOrder('lost?'));
    const waiting = client.flush();
    await expect(client.close()).rejects.toMatchObject({ name: 'UnsentEventsError', events: [expect.objectContaining({ eventId: id })] });
    // A flush() that was waiting does not hang: it learns the client closed.
    await expect(waiting).rejects.toMatchObject({ code: 'closed' });
    await expect(client.emit(newOrder('after'))).rejects.toMatchObject({ code: 'closed' });
  });
});
