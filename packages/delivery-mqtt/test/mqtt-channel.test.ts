import mqtt from 'mqtt';
import { CallbackGuard } from '@orderbus/delivery';
import { createLogger } from '@orderbus/observability';
import { freePort, startMosquitto, waitUntil, type TestMosquitto } from '@orderbus/testkit';
import type { DomainEvent, WorkOrderEvent } from '@orderbus/core';
import { MqttClientPool, classifyMqttError, connectTopic, topicFor } from '../src';

const logger = createLogger({ service: 'test', silent: true });
const TIMEOUTS = { attemptTimeoutMs: 3000, connectTimeoutMs: 1000 };

const customer = (extra: Partial<DomainEvent> = {}): DomainEvent => ({
  eventId: 'e1',
  family: 'customer',
  type: 'add',
  data: {},
  profile: { poiCode: 's0140001', appType: 'customer', modelId: 140001 },
  occurredAt: '',
  acceptedAt: '',
  ...extra,
});

describe('topics', () => {
  it('fills the seed templates from the event first, then the channel', () => {
    const channel = { type: 'mqtt' as const, url: 'mqtt://x', tenant: 'fallback', projectId: '9' };
    expect(topicFor(customer({ tenant: 't1', projectId: '7' }), { baseCode: 'B' }, channel)).toBe('t1/proj_7/v1-business-model-customer');
    expect(topicFor(customer(), { baseCode: 'B' }, channel)).toBe('fallback/proj_9/v1-business-model-customer');
    expect(topicFor({ ...customer(), family: 'org', type: 'change', tenant: 'acme' }, { baseCode: 'B' }, channel)).toBe('acme/default/v1-business-model-change-org');
    const workOrder = { eventId: 'w', dataArea: 'fwwt', changeId: 1, data: {}, occurredAt: '', acceptedAt: '' } as WorkOrderEvent;
    expect(topicFor(workOrder, { baseCode: 'ERP' }, channel)).toBe('orderbus/ERP/fwwt');
    expect(connectTopic('ERP')).toBe('orderbus/ERP/connect');
  });

  it('refuses to make a tenant up (topic_unresolved, final)', () => {
    let error: unknown;
    try {
      topicFor(customer({ projectId: '7' }), { baseCode: 'B' }, { type: 'mqtt', url: 'mqtt://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ resultClass: 'topic_unresolved', final: true });
    expect(String((error as Error).message)).toContain('{tenant}');
  });
});

describe('MqttClientPool against a real broker', () => {
  let broker: TestMosquitto;
  let pool: MqttClientPool;

  beforeAll(async () => {
    broker = await startMosquitto({ users: { bus: 'pw' } });
    pool = new MqttClientPool({ connectTimeoutMs: TIMEOUTS.connectTimeoutMs, guard: new CallbackGuard(['127.0.0.1']), logger });
  });

  afterAll(async () => {
    await pool?.close();
    await broker?.stop();
  });

  it('publishes with QoS 1 and resolves on the PUBACK, reusing one client per broker and credentials', async () => {
    const reader = await mqtt.connectAsync(broker.url, { username: 'bus', password: 'pw', reconnectPeriod: 0 });
    const got: string[] = [];
    reader.on('message', (_t, p) => got.push(p.toString()));
    await reader.subscribeAsync('t/#', { qos: 1 });
    try {
      await pool.publish({ url: broker.url, username: 'bus', password: 'pw' }, 't/1', '{"n":1}', TIMEOUTS.attemptTimeoutMs);
      await pool.publish({ url: broker.url, username: 'bus', password: 'pw' }, 't/2', '{"n":2}', TIMEOUTS.attemptTimeoutMs);
      expect(pool.size()).toBe(1);
      await waitUntil(() => got.length === 2);
      expect(got).toEqual(['{"n":1}', '{"n":2}']);
    } finally {
      await reader.endAsync(true);
    }
  });

  it('classifies a refused login as mqtt_refused and a closed port as connection_refused', async () => {
    const refused = await pool.publish({ url: broker.url, username: 'bus', password: 'nope' }, 't/x', '{}', TIMEOUTS.attemptTimeoutMs).catch((e: unknown) => e);
    expect(classifyMqttError(refused, TIMEOUTS)).toMatchObject({ resultClass: 'mqtt_refused' });
    const port = await freePort();
    const closed = await pool.publish({ url: `mqtt://127.0.0.1:${port}` }, 't/x', '{}', TIMEOUTS.attemptTimeoutMs).catch((e: unknown) => e);
    expect(classifyMqttError(closed, TIMEOUTS)).toMatchObject({ resultClass: 'connection_refused' });
    // Failed connections are not kept.
    expect(pool.size()).toBe(1);
  });

  it('refuses internal broker addresses that are not allowlisted (ssrf_refused, final)', async () => {
    const strict = new MqttClientPool({ connectTimeoutMs: 500, guard: new CallbackGuard([]), logger });
    try {
      const error = await strict.publish({ url: broker.url }, 't/x', '{}', 1000).catch((e: unknown) => e);
      expect(classifyMqttError(error, TIMEOUTS)).toMatchObject({ resultClass: 'ssrf_refused', final: true });
    } finally {
      await strict.close();
    }
  });
});
