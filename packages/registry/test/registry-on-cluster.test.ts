import { Cluster } from 'ioredis';
import { startRedisCluster, uniquePrefix, waitUntil, type TestRedisCluster } from '@orderbus/testkit';
import { registryKeys, SubscriptionCache, SubscriptionStore } from '../src';

const input = (callbackUrl: string) => ({ callbackUrl, contact: { name: 'Ops', email: 'ops@example.com' } });

describe('the registry on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let redis: Cluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    redis = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    redis.on('error', () => undefined);
    await waitUntil(() => redis.status === 'ready', { timeoutMs: 10_000, description: 'the cluster client' });
  });
  afterAll(async () => {
    redis.disconnect();
    await cluster.stop();
  });

  it('keeps every registry key in one slot', async () => {
    const { changed: _channel, ...keys } = registryKeys('ob');
    const slots = await Promise.all(Object.values(keys).map((key) => redis.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
  });

  it('creates, updates, lists, changes status and deletes subscriptions, bumping the version each time', async () => {
    const prefix = uniquePrefix();
    const store = new SubscriptionStore(redis, prefix);
    const cache = new SubscriptionCache(redis, prefix);
    expect((await cache.current()).subscriptions).toEqual([]);

    const created = await store.put('ALPHA', input('https://alpha.example/hook'));
    expect(created.created).toBe(true);
    expect(created.secret).toMatch(/^whsec_/);
    await store.put('BETA', input('https://beta.example/hook'));
    await store.put('ALPHA', input('https://alpha.example/v2'));
    await store.setStatus('ALPHA', { status: 'enabled', by: 'test', reason: 'go' });

    const listed = await store.list();
    expect(listed.version).toBe(4);
    expect(listed.subscriptions.map((s) => [s.baseCode, s.callbackUrl, s.status])).toEqual([
      ['ALPHA', 'https://alpha.example/v2', 'enabled'],
      ['BETA', 'https://beta.example/hook', 'disabled'],
    ]);
    expect((await store.secrets('ALPHA'))[0]!.secret).toBe(created.secret);
    expect((await cache.current()).byBaseCode.get('ALPHA')?.status).toBe('enabled');

    expect(await store.delete('BETA')).toBe(true);
    expect(await store.delete('BETA')).toBe(false);
    expect(await store.version()).toBe(5);
    expect((await cache.current()).subscriptions.map((s) => s.baseCode)).toEqual(['ALPHA']);
    expect(await store.allSecrets()).toEqual(new Map([['ALPHA', expect.any(Array)]]));
  });

  it('announces changes on the pub/sub channel to a subscriber on any node', async () => {
    const prefix = uniquePrefix();
    const subscriber = redis.duplicate();
    subscriber.on('error', () => undefined);
    const messages: string[] = [];
    try {
      subscriber.on('message', (_channel: string, message: string) => messages.push(message));
      await subscriber.subscribe(registryKeys(prefix).changed);
      await new SubscriptionStore(redis, prefix).put('GAMMA', input('https://gamma.example/hook'));
      await waitUntil(() => messages.includes('1'), { description: 'the version announcement' });
    } finally {
      subscriber.disconnect();
    }
  });
});
