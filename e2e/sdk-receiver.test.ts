import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import {
  MemoryDedupStore,
  RedisDedupStore,
  handleDelivery,
  isChange,
  orderbusReceiver,
  withDedup,
  type DeliveredEvent,
  type OrderbusDelivery,
} from '@orderbus/sdk';
import { startRedisServer, uniquePrefix, waitUntil, type TestRedis } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';

const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** Signs like orderbus does, with the independent standardwebhooks package. */
function signed(body: string, id: string, secret: string, at = new Date()): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
    'content-type': 'application/json',
  };
}

function delivery(eventId: string): string {
  return JSON.stringify({
    eventId,
    baseCode: 'ERP',
    dataArea: 'fwwt',
    changeId: '4',
    occurredAt: '2025-01-01T00:00:00.000Z',
    acceptedAt: '2025-01-01T00:00:00.000Z',
    data: { serviceOrderId: 'o-1', serviceOrderCode: 'c', templateId: 't', busiTypeId: 'b', organId: 'g', evalue: '5', evaluator: 'x', evaluateTime: '20250101000000' },
  });
}

describe('receiver SDK: handleDelivery', () => {
  const secret = newSecret();

  it('hands a verified delivery to the handler, typed and narrowed by changeId', async () => {
    const body = delivery('evt-ok');
    const seen: DeliveredEvent[] = [];
    const answer = await handleDelivery({ headers: signed(body, 'evt-ok', secret), rawBody: body }, (event) => {
      seen.push(event);
    }, { secret });
    expect(answer.status).toBe(200);
    expect(answer.outcome).toBe('handled');
    expect(answer.body).toMatchObject({ success: true, message: 'success', requestId: 'evt-ok' });
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(isChange(event, '4') && event.data.evalue).toBe('5');
  });

  it('rejects a tampered body with 401 and never calls the handler', async () => {
    const body = delivery('evt-tampered');
    const headers = signed(body, 'evt-tampered', secret);
    const handler = jest.fn();
    const answer = await handleDelivery({ headers, rawBody: body.replace('"evalue":"5"', '"evalue":"1"') }, handler, { secret });
    expect(answer).toMatchObject({ status: 401, outcome: 'rejected', error: { code: 'invalid_signature' } });
    expect(answer.body.success).toBe(false);
    // Signed with another subscription's secret: the same.
    const other = await handleDelivery({ headers: signed(body, 'evt-tampered', newSecret()), rawBody: body }, handler, { secret });
    expect(other.error?.code).toBe('invalid_signature');
    expect(handler).not.toHaveBeenCalled();
  });

  it('rejects a stale timestamp (a captured delivery played again later) with 401', async () => {
    const body = delivery('evt-stale');
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const handler = jest.fn();
    const answer = await handleDelivery({ headers: signed(body, 'evt-stale', secret, tenMinutesAgo), rawBody: body }, handler, { secret });
    expect(answer).toMatchObject({ status: 401, outcome: 'rejected', error: { code: 'stale_timestamp' } });
    expect(handler).not.toHaveBeenCalled();
    // A wider tolerance accepts it: the check is the timestamp, not the signature.
    const tolerant = await handleDelivery({ headers: signed(body, 'evt-stale', secret, tenMinutesAgo), rawBody: body }, handler, { secret, toleranceSeconds: 900 });
    expect(tolerant.outcome).toBe('handled');
  });

  it('skips a replayed event id (dedup): answered 200 so orderbus stops, the handler runs once', async () => {
    const store = new MemoryDedupStore();
    const body = delivery('evt-twice');
    const handler = jest.fn();
    const first = await handleDelivery({ headers: signed(body, 'evt-twice', secret), rawBody: body }, handler, { secret, dedup: store });
    // The same event again, freshly signed, as a retry or a replay would be.
    const again = await handleDelivery({ headers: signed(body, 'evt-twice', secret), rawBody: body }, handler, { secret, dedup: store });
    expect(first.outcome).toBe('handled');
    expect(again).toMatchObject({ status: 200, outcome: 'duplicate', body: { success: true } });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers 500 when the handler throws, and forgets the id so the retry is handled', async () => {
    const store = new MemoryDedupStore();
    const body = delivery('evt-fails-once');
    let calls = 0;
    const handler = async (): Promise<void> => {
      calls += 1;
      if (calls === 1) throw new Error('database is down');
    };
    const first = await handleDelivery({ headers: signed(body, 'evt-fails-once', secret), rawBody: body }, handler, { secret, dedup: store });
    expect(first).toMatchObject({ status: 500, outcome: 'failed', body: { success: false, message: 'database is down' } });
    const retry = await handleDelivery({ headers: signed(body, 'evt-fails-once', secret), rawBody: body }, handler, { secret, dedup: store });
    expect(retry.outcome).toBe('handled');
    expect(calls).toBe(2);
  });

  it("answers orderbus's signed connect request with success, without calling the handler; an unsigned one gets 401", async () => {
    const body = JSON.stringify({ baseInfo: { requestId: 'connect-1', requestTime: Date.now(), topic: 'connect' }, baseCode: 'ERP' });
    const handler = jest.fn();
    const ok = await handleDelivery({ headers: signed(body, 'connect-1', secret), rawBody: body }, handler, { secret });
    expect(ok).toMatchObject({ status: 200, outcome: 'connect', body: { success: true, requestId: 'connect-1' } });
    const forged = await handleDelivery({ headers: signed(body, 'connect-1', newSecret()), rawBody: body }, handler, { secret });
    expect(forged.status).toBe(401);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('receiver SDK: dedup stores', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('the in-memory store stays within its size, dropping the oldest ids first, and expires ids', async () => {
    let now = 1_000;
    const store = new MemoryDedupStore({ maxEntries: 3, now: () => now });
    for (const id of ['a', 'b', 'c', 'd']) expect(await store.remember(id, 10_000)).toBe(true);
    expect(store.size).toBe(3);
    expect(await store.seen('a')).toBe(false);
    expect(await store.seen('d')).toBe(true);
    expect(await store.remember('d', 10_000)).toBe(false);
    now += 10_001;
    expect(await store.seen('d')).toBe(false);
  });

  it('the Redis store claims an id with SET NX PX: one of many concurrent claims wins, and it expires', async () => {
    const prefix = `${uniquePrefix()}:seen:`;
    const store = new RedisDedupStore(client, { prefix });
    const claims = await Promise.all(Array.from({ length: 20 }, () => store.remember('evt-1', 300)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.seen('evt-1')).toBe(true);
    expect(await client.pttl(`${prefix}evt-1`)).toBeGreaterThan(0);
    await waitUntil(async () => !(await store.seen('evt-1')), { timeoutMs: 3000, description: 'evt-1 to expire' });
    expect(await store.remember('evt-1', 60_000)).toBe(true);
    await store.forget('evt-1');
    expect(await store.seen('evt-1')).toBe(false);
  });
});

describe('receiver SDK against a live bus', () => {
  let bus: TestBus;
  let server: Server;
  let secret = '';
  const handled: DeliveredEvent[] = [];
  const answers: string[] = [];
  const store = new MemoryDedupStore();

  beforeAll(async () => {
    bus = await startBus();
    // A framework-free receiver: node:http and handleDelivery.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void handleDelivery({ headers: req.headers, rawBody: Buffer.concat(chunks) }, (event) => {
          handled.push(event);
        }, { secret, dedup: store }).then((answer) => {
          answers.push(answer.outcome);
          res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    // Registered first (its secret is in the answer), enabled once the receiver knows the secret.
    const put = await bus.admin('PUT', '/v1/subscriptions/SDKRCV', { callbackUrl: url, scope: { dataAreas: '*', changeIds: '*' }, contact: { name: 'sdk', email: 'sdk@example.com' } });
    expect(put.status).toBe(201);
    secret = put.body.signingSecret;
    const enable = await bus.admin('POST', '/v1/subscriptions/SDKRCV/enable', {});
    expect(enable.status).toBe(200);
    await bus.waitForWorkers(['SDKRCV']);
  });
  afterAll(async () => {
    await bus.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('verifies real deliveries (and the connect handshake), and hands typed events to the handler', async () => {
    expect(answers).toContain('connect');
    const event = workOrderEvent({ changeId: 1, eventId: 'sdk-live-1' });
    expect((await bus.send(event)).status).toBe(202);
    await waitUntil(() => handled.find((e) => e.eventId === 'sdk-live-1'), { description: 'sdk-live-1 handled' });
    const got = handled.find((e) => e.eventId === 'sdk-live-1')!;
    expect(got.changeId).toBe('1');
    expect(got.baseCode).toBe('SDKRCV');
    if (got.changeId !== '1') throw new Error('narrowing');
    expect(got.data.templateInstName).toBe(event.data.templateInstName);
  });

  it('the same event delivered again (a replay of the captured request, freshly signed) is skipped as a duplicate', async () => {
    const before = handled.filter((e) => e.eventId === 'sdk-live-1').length;
    const body = JSON.stringify({ ...handled.find((e) => e.eventId === 'sdk-live-1') });
    const answer = await handleDelivery({ headers: signed(body, 'sdk-live-1', secret), rawBody: body }, (e) => {
      handled.push(e);
    }, { secret, dedup: store });
    expect(answer.outcome).toBe('duplicate');
    expect(handled.filter((e) => e.eventId === 'sdk-live-1')).toHaveLength(before);
  });
});

describe('receiver SDK: the Express middleware with withDedup', () => {
  let server: Server;
  let url = '';
  const secret = newSecret();
  const handled: string[] = [];

  beforeAll(async () => {
    const app = express();
    const store = new MemoryDedupStore();
    app.post('/callback', orderbusReceiver({ secret, onEvent: withDedup({ store }, (d: OrderbusDelivery) => {
      handled.push(d.eventId);
    }) }));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('handles an event once however often it is delivered, and refuses a tampered one', async () => {
    const body = delivery('evt-express');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { method: 'POST', headers: signed(body, 'evt-express', secret), body });
      expect(res.status).toBe(200);
    }
    expect(handled).toEqual(['evt-express']);
    const tampered = await fetch(url, { method: 'POST', headers: signed(body, 'evt-express', secret), body: body.replace('o-1', 'o-2') });
    expect(tampered.status).toBe(401);
    expect(handled).toEqual(['evt-express']);
  });
});
