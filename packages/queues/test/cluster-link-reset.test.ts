import { ReplyError, type Cluster } from 'ioredis';
import { startRedisCluster, waitUntil, type TestRedisCluster } from '@orderbus/testkit';
import { CLUSTER_LINK_RESET_COOLDOWN_MS, createRedisConnection, resetClusterLinksAfter, waitForReady } from '../src';

describe('resetClusterLinksAfter', () => {
  let cluster: TestRedisCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    client = createRedisConnection(cluster.url, 'ingest') as Cluster;
    client.on('error', () => undefined);
    await waitForReady(client);
  });
  afterAll(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it('keeps the links after a reply error, replaces them after a link failure, at most once per cooldown', async () => {
    await client.set('{a}k', '1');
    const before = client.nodes('all');
    expect(before.length).toBe(3);

    // A reply (even "cluster down") proves the link answers in step: nothing to rebuild.
    expect(resetClusterLinksAfter(client, new ReplyError('CLUSTERDOWN The cluster is down'))).toBe(false);
    expect(resetClusterLinksAfter(client, new Error('ERR unknown command'))).toBe(false);
    expect(client.nodes('all')).toEqual(before);

    const t0 = Date.now();
    expect(resetClusterLinksAfter(client, new Error('Command timed out'), t0)).toBe(true);
    await waitUntil(() => before.every((node) => node.status === 'end'), { timeoutMs: 5000, intervalMs: 20, description: 'the old links to close' });
    // The client reconnects by itself, on new links.
    const value = await waitUntil(() => client.get('{a}k').catch(() => undefined), { timeoutMs: 15_000, intervalMs: 100, description: 'the cluster client to serve again' });
    expect(value).toBe('1');
    const after = client.nodes('all');
    expect(after.some((node) => before.includes(node))).toBe(false);

    // Within the cooldown a second failure does not reset again; after it, it does.
    expect(resetClusterLinksAfter(client, new Error('Connection is closed.'), t0 + 1)).toBe(false);
    expect(client.nodes('all')).toEqual(after);
    expect(resetClusterLinksAfter(client, new Error('Connection is closed.'), t0 + CLUSTER_LINK_RESET_COOLDOWN_MS + 1)).toBe(true);
    expect(await waitUntil(() => client.get('{a}k').catch(() => undefined), { timeoutMs: 15_000, intervalMs: 100, description: 'the cluster client to serve again' })).toBe('1');
  });
});
