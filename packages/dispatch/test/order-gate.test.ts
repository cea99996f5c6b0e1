import { Redis } from 'ioredis';
import { FIRST_IN_LINE_JSON, orderLineKey, subscriptionQueueName } from '@orderbus/queues';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { OrderGate } from '../src/order-gate';

describe('OrderGate', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('drops a finished head its worker never took out of line, and its first-in-line mark with it', async () => {
    const prefix = uniquePrefix();
    const gate = new OrderGate(client, prefix);
    const jobKey = (jobId: string) => `${prefix}:${subscriptionQueueName('STALE')}:${jobId}`;
    const line = orderLineKey(prefix, 'STALE', 'o1');
    // e-1 was queued alone in its line and dead-lettered by a worker that died before leaving the line.
    await client.hset(jobKey('e-1'), { finishedOn: '1', progress: FIRST_IN_LINE_JSON });
    await client.hset(jobKey('e-2'), { timestamp: '2' });
    await client.rpush(line, 'e-1', 'e-2');

    expect(await gate.enter('STALE', 'o1', 'e-2')).toEqual({ go: true });
    expect(await client.lrange(line, 0, -1)).toEqual(['e-2']);
    // Replayed, e-1 must take the last place in its line, not go as if it still headed it.
    expect(await client.hget(jobKey('e-1'), 'progress')).toBeNull();
    expect(await gate.enter('STALE', 'o1', 'e-1')).toEqual({ go: false, head: 'e-2' });
    expect(await client.lrange(line, 0, -1)).toEqual(['e-2', 'e-1']);
  });
});
