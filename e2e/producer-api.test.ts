import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { PRODUCER_KEY, startBus, type TestBus } from './support/bus';
import { readmeExample, workOrderEvent } from './support/events';

const seedEnvelope = readFileSync(join(__dirname, '..', 'packages', 'core', 'test', 'fixtures', 'seed-003', 'envelope-full.txt'), 'utf8');

describe('producer API: POST /v1/events', () => {
  let bus: TestBus;
  let receiver: TestReceiver;

  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_MAX_BATCH: '3', ORDERBUS_MAX_BODY_BYTES: '20000' } });
    receiver = await startReceiver();
    await bus.subscribe('ALL', receiver.url);
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  it('answers 202 with the event id and how many subscriptions it was queued for', async () => {
    const res = await bus.send(readmeExample());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventId: 'demo-new-order-0001', duplicate: false, queuedFor: 1 });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('generates a time-ordered eventId when the producer gives none', async () => {
    const { eventId: _omit, ...event } = workOrderEvent();
    const first = await bus.send(event);
    const second = await bus.send({ ...event, data: { ...event.data, remark: 'two' } });
    expect(first.status).toBe(202);
    expect(first.body.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.body.eventId > first.body.eventId).toBe(true);
  });

  it('401 without or with a wrong producer key', async () => {
    const none = await bus.send(workOrderEvent(), { headers: { authorization: '' } });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const wrong = await bus.send(workOrderEvent(), { headers: { authorization: `Bearer ${PRODUCER_KEY}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('415 for a body that is not declared as JSON', async () => {
    const res = await bus.send(undefined, { headers: { 'content-type': 'text/plain' }, raw: JSON.stringify(workOrderEvent()) });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('400 for malformed JSON, naming where it broke', async () => {
    const res = await bus.send(undefined, { raw: '{"dataArea": "fwwt", "changeId": "1" "data": {}}' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
    expect(res.body.error.message).toMatch(/position|line|column|Expected/i);
  });

  it('413 for a body over the size limit and for a batch over the batch limit', async () => {
    const big = workOrderEvent();
    big.data.remark = 'x'.repeat(30_000);
    const tooBig = await bus.send(big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');

    const batch = await bus.send({ events: [workOrderEvent(), workOrderEvent(), workOrderEvent(), workOrderEvent()] });
    expect(batch.status).toBe(413);
    expect(batch.body.error).toMatchObject({ code: 'payload_too_large', maxBatch: 3 });
  });

  it('422 lists every schema problem with its JSON path (the seed example as sent, in strict mode)', async () => {
    const res = await bus.send(undefined, { raw: seedEnvelope });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.problems.map((p: { path: string }) => p.path).sort();
    expect(paths).toEqual(['/data/eCommunityId', '/data/trackCode', '/data/trackId', '/data/transportTypeName']);
    for (const problem of res.body.error.problems) expect(problem.code).toBe('required');
  });

  it('422 for envelope problems and for changeId 8, which is not supported yet', async () => {
    const res = await bus.send({ changeId: '11', data: 'not json' });
    expect(res.status).toBe(422);
    const codes = res.body.error.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`);
    expect(codes).toEqual(expect.arrayContaining(['/dataArea required']));
    expect(codes.some((c: string) => c.startsWith('/changeId'))).toBe(true);

    const supervise = await bus.send({ dataArea: 'fwwt', changeId: '8', data: {} });
    expect(supervise.status).toBe(422);
    expect(supervise.body.error.problems[0]).toMatchObject({ path: '/changeId', code: 'unsupported_change' });
    expect(supervise.body.error.problems[0].message).toContain('ORDERBUS_ENABLE_SUPERVISE');
  });

  it('400 for a request without a body, and 404 in the error format for unknown routes', async () => {
    const empty = await fetch(`${bus.producerUrl}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${PRODUCER_KEY}` } });
    expect(empty.status).toBe(400);
    const unknown = await fetch(`${bus.producerUrl}/v2/nothing`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('answers 503 at once when Redis is unreachable, and 202 again when it is back', async () => {
    await bus.redis.kill('SIGKILL');
    const started = Date.now();
    const down = await bus.send(workOrderEvent({ eventId: 'while-down' }));
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await fetch(`${bus.producerUrl}/readyz`)).status).toBe(503);

    await bus.redis.start();
    // The same eventId is accepted once Redis is back: nothing was half-written.
    const back = await waitUntil(
      async () => {
        const res = await bus.send(workOrderEvent({ eventId: 'while-down' }));
        return res.status === 202 ? res : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'the producer to accept again' },
    );
    expect(back.body).toEqual({ eventId: 'while-down', duplicate: false, queuedFor: 1 });
    await receiver.waitForRequests(1, { filter: (r) => r.headers['x-orderbus-event-id'] === 'while-down', timeoutMs: 20_000 });
  });
});

describe('producer API in compat mode', () => {
  let bus: TestBus;
  beforeAll(async () => {
    bus = await startBus({ env: { ORDERBUS_VALIDATION_MODE: 'compat' }, workers: false });
  });
  afterAll(() => bus.close());

  it('accepts the seed example as sent and reports what was wrong with it', async () => {
    const res = await bus.send(undefined, { raw: seedEnvelope });
    expect(res.status).toBe(202);
    const problems = res.body.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`);
    expect(problems).toEqual(expect.arrayContaining(['/data/trackId required', '/data/eCommunityId required', '/data/userid renamed_key']));
  });
});
