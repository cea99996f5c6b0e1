import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { handleDelivery } from '@orderbus/sdk';
import { startReceiver, type TestReceiver } from '@orderbus/testkit';
import { PRODUCER_KEY, VIEWER_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';

/*
 * docs/guides/troubleshooting.md quotes orderbus's answers as it gives them.
 * Each quote follows `<!-- error: <case> <status> -->`; this test makes each
 * case happen against a live bus and compares status and body (requestId,
 * durations and reply snippets aside). A changed message fails here until the guide shows it.
 * ORDERBUS_DOCS_DUMP=<file> writes what the bus answered, to update the guide from.
 */

const GUIDE = join(__dirname, '..', 'docs', 'guides', 'troubleshooting.md');
const QUOTE = /<!-- error: ([a-z0-9-]+) (\d{3}) -->\n```json\n([\s\S]*?)\n```/g;

type Answer = { status: number; body: any };

/** Drops what differs from run to run. */
function stable(value: any): any {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'requestId' && k !== 'durationMs' && k !== 'responseSnippet').map(([k, v]) => [k, stable(v)]));
  }
  return value;
}

describe('troubleshooting.md shows the errors orderbus really answers', () => {
  let bus: TestBus;
  let failing: TestReceiver;
  let wrongSecret: Server;
  let wrongSecretUrl = '';
  const cases = new Map<string, () => Promise<Answer>>();

  const post = async (body: string, headers: Record<string, string>): Promise<Answer> => {
    const res = await fetch(`${bus.producerUrl}/v1/events`, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() };
  };
  const json = { 'content-type': 'application/json', authorization: `Bearer ${PRODUCER_KEY}` };
  const contact = { name: 'XX ops', email: 'ops@example.com' };
  const evaluation = (eventId: string) => ({ ...workOrderEvent({ changeId: 4 }), eventId });

  beforeAll(async () => {
    // As in production: only the test receivers' loopback address is allowlisted; small limits to reach them.
    bus = await startBus({ workers: false, env: { ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1', ORDERBUS_MAX_BODY_BYTES: '2048', ORDERBUS_MAX_BATCH: '2' } });
    failing = await startReceiver({ status: 500, body: { success: false, message: 'database unavailable' } });
    // A receiver built with @orderbus/sdk that was given the wrong signing secret.
    wrongSecret = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void handleDelivery({ headers: req.headers, rawBody: Buffer.concat(chunks) }, () => undefined, { secret: 'whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCBvcmRlcmJ1cyBzaWducyB3aXRo' }).then((a) =>
          res.writeHead(a.status, a.headers).end(JSON.stringify(a.body)),
        );
      });
    });
    await new Promise<void>((resolve) => wrongSecret.listen(0, '127.0.0.1', resolve));
    wrongSecretUrl = `http://127.0.0.1:${(wrongSecret.address() as AddressInfo).port}/callback`;

    cases.set('producer-no-key', () => post('{}', { 'content-type': 'application/json' }));
    cases.set('producer-wrong-key', () => post('{}', { 'content-type': 'application/json', authorization: 'Bearer not-a-key' }));
    cases.set('malformed-json', () => post('{"dataArea": "fwwt",\n "changeId": "1"\n "data": {}}', json));
    cases.set('wrong-content-type', () => post('{}', { ...json, 'content-type': 'text/plain' }));
    cases.set('body-too-large', async () => {
      const big = workOrderEvent();
      return post(JSON.stringify({ ...big, data: { ...big.data, remark: 'x'.repeat(3000) } }), json);
    });
    cases.set('batch-too-large', () => bus.send({ events: [evaluation('e-1'), evaluation('e-2'), evaluation('e-3')] }));
    cases.set('validation-failed', () => {
      const { trackId: _t, createDate: _c, ...data } = workOrderEvent().data;
      return bus.send({ eventId: 'wo-4711-created', dataArea: 'fwwt', changeId: '1', data: { ...data, userType: '3' } });
    });
    cases.set('supervise-disabled', () => bus.send({ dataArea: 'fwwt', changeId: '8', data: {} }));
    cases.set('event-conflict', async () => {
      const first = workOrderEvent({ eventId: 'wo-4712-created' });
      await bus.send(first);
      return bus.send({ ...first, data: { ...first.data, remark: 'a different remark' } });
    });
    cases.set('viewer-acts', () => bus.admin('POST', '/v1/subscriptions/HRZDWYWHXT/disable', {}, VIEWER_TOKEN));
    cases.set('owner-other-basecode', async () => {
      const issued = await bus.admin('POST', '/v1/subscriptions/HRZDWYWHXT/credentials', {});
      return bus.admin('GET', '/v1/subscriptions/OTHERSYS', undefined, issued.body.credential);
    });
    cases.set('no-such-subscription', () => bus.admin('GET', '/v1/subscriptions/NOSUCH'));
    cases.set('subscription-invalid', () => bus.admin('PUT', '/v1/subscriptions/HRZDWYWHXT', { callbackUrl: 'ftp://erp.example.com/cb', scope: { dataAreas: '*', changeIds: [11] } }));
    cases.set('callback-internal', () => bus.admin('PUT', '/v1/subscriptions/HRZDWYWHXT', { callbackUrl: 'http://10.0.0.5/orderbus', contact }));
    cases.set('handshake-refused', async () => {
      await bus.admin('PUT', '/v1/subscriptions/HRZDWYWHXT', { callbackUrl: 'http://127.0.0.1:1/callback', contact });
      return bus.admin('POST', '/v1/subscriptions/HRZDWYWHXT/enable', {});
    });
    cases.set('handshake-500', async () => {
      await bus.admin('PUT', '/v1/subscriptions/HRZDWYWHXT', { callbackUrl: failing.url, contact });
      return bus.admin('POST', '/v1/subscriptions/HRZDWYWHXT/enable', {});
    });
    cases.set('handshake-wrong-secret', async () => {
      await bus.admin('PUT', '/v1/subscriptions/HRZDWYWHXT', { callbackUrl: wrongSecretUrl, contact });
      return bus.admin('POST', '/v1/subscriptions/HRZDWYWHXT/enable', {});
    });
    cases.set('redis-down-producer', async () => {
      await bus.redis.kill();
      try {
        return await bus.send(workOrderEvent({ eventId: 'wo-4713-created' }));
      } finally {
        await bus.redis.start();
      }
    });
    cases.set('redis-down-admin', async () => {
      await bus.redis.kill();
      try {
        return await bus.admin('GET', '/v1/subscriptions');
      } finally {
        await bus.redis.start();
      }
    });
  });
  afterAll(async () => {
    await bus.close();
    await failing.close();
    await new Promise<void>((resolve) => wrongSecret.close(() => resolve()));
  });

  it('quotes every case, and each quote is what the bus answers', async () => {
    const guide = readFileSync(GUIDE, 'utf8');
    const quotes = [...guide.matchAll(QUOTE)].map((m) => ({ name: m[1]!, status: Number(m[2]), body: JSON.parse(m[3]!) }));
    const actual: Record<string, Answer> = {};
    for (const [name, make] of cases) actual[name] = await make();
    if (process.env.ORDERBUS_DOCS_DUMP) writeFileSync(process.env.ORDERBUS_DOCS_DUMP, JSON.stringify(actual, null, 2));

    expect(quotes.map((q) => q.name).sort()).toEqual([...cases.keys()].sort());
    for (const quote of quotes) {
      const answer = actual[quote.name]!;
      expect({ case: quote.name, status: answer.status, body: stable(answer.body) }).toEqual({ case: quote.name, status: quote.status, body: stable(quote.body) });
    }
  });
});
