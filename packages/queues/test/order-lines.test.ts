import { startRedisCluster, startRedisServer, uniquePrefix } from '@orderbus/testkit';
import { createRedisConnection, deleteOrderLines, orderLineKey, waitForReady, type RedisClient } from '../src';

describe.each([
  ['a single Redis', async () => startRedisServer()],
  ['a 3-master Redis Cluster', async () => startRedisCluster({ masters: 3 })],
])('deleteOrderLines on %s', (_name, start) => {
  let server: { url: string; stop(): Promise<void> };
  let redis: RedisClient;
  beforeAll(async () => {
    server = await start();
    redis = createRedisConnection(server.url, 'worker');
    redis.on('error', () => undefined);
    await waitForReady(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it("deletes every line of one subscription and nothing of another's", async () => {
    const prefix = uniquePrefix();
    // Enough lines for several SCAN pages; subscriptions whose slots sit on different masters.
    for (let i = 0; i < 1500; i++) await redis.rpush(orderLineKey(prefix, 'GONE', `order-${i}`), `e-${i}`);
    for (let i = 0; i < 3; i++) await redis.rpush(orderLineKey(prefix, 'KEPT', `order-${i}`), `e-${i}`);
    await redis.set(`${prefix}:{sub.GONE}:meta-like`, 'x');

    expect(await deleteOrderLines(redis, prefix, 'GONE')).toBe(1500);
    expect(await redis.exists(orderLineKey(prefix, 'GONE', 'order-0'), orderLineKey(prefix, 'GONE', 'order-1499'))).toBe(0);
    expect(await redis.lrange(orderLineKey(prefix, 'KEPT', 'order-2'), 0, -1)).toEqual(['e-2']);
    expect(await redis.get(`${prefix}:{sub.GONE}:meta-like`)).toBe('x');
    expect(await deleteOrderLines(redis, prefix, 'GONE')).toBe(0);
  });
});
