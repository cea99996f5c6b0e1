import type { Agent } from 'undici';
import { Webhook } from 'standardwebhooks';
import { createEventValidator } from '@orderbus/core';
import { CallbackGuard, DEFAULT_DELIVERY_POLICY, createDeliveryAgent, type DeliveryPolicy } from '@orderbus/delivery';
import { createLogger } from '@orderbus/observability';
import { newSigningSecret, type Subscription } from '@orderbus/registry';
import { freePort, startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { HttpDeliveryHandler, type DeliveryJob, type DeliveryOutcome } from '../src';

const logger = createLogger({ service: 'test', silent: true });
const validator = createEventValidator({ mode: 'compat', enableSupervise: false });
const policy: DeliveryPolicy = {
  ...DEFAULT_DELIVERY_POLICY,
  retry: { ...DEFAULT_DELIVERY_POLICY.retry, attemptTimeoutMs: 400, connectTimeoutMs: 300, maxResponseBytes: 4096 },
};

let counter = 0;
function job(): DeliveryJob {
  const outcome = validator.validate({ eventId: `h-${process.pid}-${++counter}`, dataArea: 'fwwt', changeId: 4, data: { serviceOrderId: 'o1' } });
  if (!outcome.ok) throw new Error('bad test event');
  // The handler reads only the job's data (the dispatcher owns the rest).
  return { data: { event: outcome.event } } as DeliveryJob;
}

function subscription(callbackUrl: string): Subscription {
  const at = new Date().toISOString();
  return {
    baseCode: 'HANDLER',
    callbackUrl,
    scope: { dataAreas: '*', changeIds: '*' },
    contact: { name: 'n', email: 'n@example.com' },
    status: 'enabled',
    statusChangedBy: 't',
    statusReason: 't',
    statusChangedAt: at,
    createdAt: at,
    updatedAt: at,
    revision: 1,
  };
}

function failed(outcome: DeliveryOutcome) {
  if (outcome.kind !== 'failed') throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('HttpDeliveryHandler against real receivers', () => {
  let receiver: TestReceiver;
  let agent: Agent;
  let handler: HttpDeliveryHandler;
  const secret = newSigningSecret(new Date());

  beforeAll(async () => {
    receiver = await startReceiver();
    const guard = new CallbackGuard(['127.0.0.1']);
    agent = createDeliveryAgent(policy.retry, guard);
    handler = new HttpDeliveryHandler({ policy, guard, agent, logger, secrets: { activeSecretsOf: async () => [secret] } });
  });
  afterAll(async () => {
    await agent.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  const deliver = (attempt = 1, url = receiver.url) => handler.deliver(job(), { subscription: subscription(url), attempt });

  it('delivers on a seed 002 success reply, signed, and records the attempt precisely', async () => {
    receiver.behave({ status: 200, body: { result: null, success: true, message: 'success', statusCode: 200 } });
    const outcome = await deliver(3);
    expect(outcome.kind).toBe('delivered');
    expect(outcome.attempt).toMatchObject({ status: 200, resultClass: 'ok', responseSnippet: expect.stringContaining('"success":true') });
    expect(outcome.attempt.durationMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(outcome.attempt.startedAt - Date.now())).toBeLessThan(5000);
    const [request] = receiver.requests;
    expect(request!.headers['x-orderbus-attempt']).toBe('3');
    expect(request!.headers['webhook-id']).toBe(request!.headers['x-orderbus-event-id']);
    expect(new Webhook(secret.secret).verify(request!.rawBody, request!.headers)).toMatchObject({ eventId: request!.headers['webhook-id'] });
  });

  it('fails a 200 whose body says success=false (receiver_rejected), with its message', async () => {
    receiver.behave({ status: 200, body: { result: null, success: false, message: 'duplicate order', statusCode: 200 } });
    const outcome = failed(await deliver());
    expect(outcome.attempt).toMatchObject({ status: 200, resultClass: 'receiver_rejected', message: expect.stringContaining('duplicate order') });
    expect(outcome.final).toBeUndefined();
  });

  it('retries a 500 until the schedule is used up', async () => {
    receiver.behave({ status: 500, body: 'boom' });
    const first = failed(await deliver(1));
    expect(first.attempt).toMatchObject({ status: 500, resultClass: 'http_5xx', responseSnippet: 'boom' });
    expect(first.final).toBeUndefined();
    expect(failed(await deliver(policy.retry.schedule.length)).final).toBeUndefined();
    expect(failed(await deliver(policy.retry.schedule.length + 1)).final).toBe(true);
  });

  it('passes a 429 Retry-After on', async () => {
    receiver.behave({ status: 429, headers: { 'retry-after': '2' }, body: '' });
    const outcome = failed(await deliver());
    expect(outcome.attempt.resultClass).toBe('http_429');
    expect(outcome.retryAfterMs).toBe(2000);
  });

  it('stops on 410 and flags the subscription for disabling', async () => {
    receiver.behave({ status: 410, body: '' });
    const outcome = failed(await deliver());
    expect(outcome).toMatchObject({ final: true, disableSubscription: true, attempt: { status: 410, resultClass: 'http_410' } });
  });

  it('retries other 4xx on the short schedule only', async () => {
    receiver.behave({ status: 404, body: 'no such route' });
    expect(failed(await deliver(policy.retry.clientErrorSchedule.length)).final).toBeUndefined();
    const last = failed(await deliver(policy.retry.clientErrorSchedule.length + 1));
    expect(last).toMatchObject({ final: true, attempt: { resultClass: 'http_4xx', status: 404 } });
  });

  it('does not follow a redirect', async () => {
    receiver.behave({ status: 302, headers: { location: `${receiver.url}/moved` }, body: '' });
    const outcome = failed(await deliver());
    expect(outcome.attempt).toMatchObject({ status: 302, resultClass: 'redirect' });
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.requests.map((r) => r.path)).toEqual(['/callback']);
  });

  it('reads only the first maxResponseBytes of a huge body', async () => {
    // The receiver streams up to 256 MB as fast as the socket takes it; the handler must hang up early.
    const total = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    let closed = false;
    receiver.behave((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.on('close', () => {
        closed = true;
      });
      const pump = (): void => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    // A timeout of its own: on a loaded machine this must not turn into a timeout test.
    const patient = new HttpDeliveryHandler({ policy: { ...policy, retry: { ...policy.retry, attemptTimeoutMs: 10_000 } }, agent, logger });
    const outcome = await patient.deliver(job(), { subscription: subscription(receiver.url), attempt: 1 });
    expect(outcome.kind).toBe('delivered');
    expect(outcome.attempt.responseSnippet).toHaveLength(policy.retry.maxResponseBytes);
    await waitUntil(() => closed, { description: 'the receiver saw the connection closed' });
    expect(written).toBeLessThan(total / 4);
  });

  it('times out on a receiver that hangs', async () => {
    receiver.behave(() => undefined);
    const started = Date.now();
    const outcome = failed(await deliver());
    expect(outcome.attempt.resultClass).toBe('timeout');
    expect(outcome.attempt.status).toBeUndefined();
    expect(outcome.attempt.durationMs).toBeGreaterThanOrEqual(policy.retry.attemptTimeoutMs - 20);
    expect(Date.now() - started).toBeLessThan(policy.retry.attemptTimeoutMs + 1500);
  });

  it('classifies a reset connection', async () => {
    receiver.behave((_req, res) => {
      res.socket?.destroy();
    });
    const outcome = failed(await deliver());
    expect(outcome.attempt.resultClass).toBe('connection_reset');
  });

  it('classifies a receiver that is down', async () => {
    const port = await freePort();
    const outcome = failed(await deliver(1, `http://127.0.0.1:${port}/callback`));
    expect(outcome.attempt.resultClass).toBe('connection_refused');
    expect(outcome.final).toBeUndefined();
  });

  it('refuses internal callbacks that are not allowlisted, sending nothing', async () => {
    receiver.behave({ status: 200, body: { success: true } });
    const guard = new CallbackGuard([]);
    const strictAgent = createDeliveryAgent(policy.retry, guard);
    const strict = new HttpDeliveryHandler({ policy, guard, agent: strictAgent, logger });
    const byName = failed(await strict.deliver(job(), { subscription: subscription(`http://localhost:${receiver.port}/callback`), attempt: 1 }));
    expect(byName).toMatchObject({ final: true, attempt: { resultClass: 'ssrf_refused' } });
    const byIp = failed(await strict.deliver(job(), { subscription: subscription(receiver.url), attempt: 1 }));
    expect(byIp).toMatchObject({ final: true, attempt: { resultClass: 'ssrf_refused' } });
    await strictAgent.close();
    expect(byIp.error.name).toBe('DeliveryPreparationError');
    expect(receiver.requests).toHaveLength(0);
  });

  it('sends nothing without a secret', async () => {
    const unsigned = new HttpDeliveryHandler({ policy, agent, logger, secrets: { activeSecretsOf: async () => [] } });
    const outcome = failed(await unsigned.deliver(job(), { subscription: subscription(receiver.url), attempt: 1 }));
    expect(outcome.attempt.resultClass).toBe('no_secret');
    expect(outcome.final).toBeUndefined();
    expect(receiver.requests).toHaveLength(0);
  });
});
