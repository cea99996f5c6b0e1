import { SubscriptionStore } from '@orderbus/registry';
import { createRedisConnection, waitForReady } from '@orderbus/queues';
import { startReceiver, type TestReceiver } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { waitForAttempts, waitForDeadLetter } from './support/delivery';

describe('SSRF guard without an allowlist', () => {
  let bus: TestBus;
  let receiver: TestReceiver;

  beforeAll(async () => {
    // Nothing allowlisted: loopback callbacks are internal like any other.
    bus = await startBus({ env: { ORDERBUS_CALLBACK_ALLOWLIST: '', ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000' } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
  });

  it('refuses internal callback URLs at registration', async () => {
    for (const callbackUrl of [
      `http://localhost:${receiver.port}/callback`,
      receiver.url,
      'http://[::1]:8080/cb',
      'http://[::ffff:127.0.0.1]/cb',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.5/cb',
      'http://192.168.1.10/cb',
    ]) {
      const res = await bus.admin('PUT', '/v1/subscriptions/INTERNAL', { callbackUrl, contact: { name: 'x', email: 'x@example.com' } });
      expect([callbackUrl, res.status]).toEqual([callbackUrl, 422]);
      expect(res.body.error.problems).toEqual([expect.objectContaining({ path: '/callbackUrl', code: 'callback_refused' })]);
    }
    expect((await bus.admin('GET', '/v1/subscriptions/INTERNAL')).status).toBe(404);
  });

  it('refuses again at delivery time, when the host resolves to an internal address (e.g. re-pointed DNS)', async () => {
    // Written straight into the registry, as if the name had resolved elsewhere at registration.
    const redis = createRedisConnection(bus.redis.url, 'worker');
    await waitForReady(redis);
    const store = new SubscriptionStore(redis, bus.prefix);
    await store.put('REBOUND', { callbackUrl: `http://localhost:${receiver.port}/callback`, contact: { name: 'x', email: 'x@example.com' } });
    await store.setStatus('REBOUND', { status: 'enabled', by: 'test', reason: 'bypass the registration check' });
    await bus.waitForWorkers(['REBOUND']);

    expect((await bus.send(workOrderEvent({ eventId: 'ssrf-1' }))).body.queuedFor).toBe(1);
    const deadLetter = await waitForDeadLetter(bus, 'REBOUND', 'ssrf-1');
    expect(deadLetter).toMatchObject({ attempts: 1, resultClass: 'ssrf_refused' });
    const [attempt] = await waitForAttempts(bus, 'REBOUND', 'ssrf-1', 1);
    expect(attempt).toMatchObject({ resultClass: 'ssrf_refused', deadLettered: true, message: expect.stringContaining('localhost') });
    expect(receiver.requests).toHaveLength(0);
    redis.disconnect();
  });
});
