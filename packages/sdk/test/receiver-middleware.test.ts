import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { orderbusReceiver, type OrderbusDelivery } from '../src';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('orderbusReceiver', () => {
  let server: Server;
  let url: string;
  const received: OrderbusDelivery[] = [];
  let failNext = false;

  beforeAll(async () => {
    const app = express();
    app.post(
      '/callback',
      orderbusReceiver({
        secret,
        onEvent: async (delivery) => {
          if (failNext) {
            failNext = false;
            throw new Error('database unavailable');
          }
          received.push(delivery);
        },
      }),
    );
    app.post('/parsed', express.json(), orderbusReceiver({ secret, onEvent: () => undefined }));
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function post(path: string, body: string, headers: Record<string, string>) {
    return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
    }));
  }
  const sign = (id: string, body: string, key = secret) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': new Webhook(key).sign(id, new Date(), body),
  });

  it('verifies, hands the delivery over and answers in the seed 002 format', async () => {
    const body = JSON.stringify({ eventId: 'mw-1', baseCode: 'B', dataArea: 'fwwt', changeId: '1', occurredAt: 'x', acceptedAt: 'y', data: {} });
    const res = await post('/callback', body, sign('mw-1', body));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: null, success: true, message: 'success', statusCode: 200, requestId: 'mw-1', responseTime: expect.any(Number) });
    expect(received.map((d) => d.eventId)).toEqual(['mw-1']);
  });

  it('answers 401 with success=false to a badly signed delivery and does not hand it over', async () => {
    const body = JSON.stringify({ eventId: 'mw-2', data: {} });
    const res = await post('/callback', body, sign('mw-2', body, `whsec_${randomBytes(32).toString('base64')}`));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, statusCode: 401, message: expect.stringContaining('invalid_signature') });
    expect(received.map((d) => d.eventId)).not.toContain('mw-2');
  });

  it('answers 500 with success=false when onEvent throws, so orderbus retries', async () => {
    failNext = true;
    const body = JSON.stringify({ eventId: 'mw-3', data: {} });
    const res = await post('/callback', body, sign('mw-3', body));
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ success: false, message: 'database unavailable', requestId: 'mw-3' });
  });

  it('says so when a JSON parser consumed the raw body first', async () => {
    const body = JSON.stringify({ eventId: 'mw-4', data: {} });
    const res = await post('/parsed', body, sign('mw-4', body));
    expect(res.status).toBe(500);
    expect(String(res.body.message)).toContain('raw body');
  });
});
