import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisCluster, startRedisServer, waitUntil, type TestRedis, type TestRedisCluster } from '@orderbus/testkit';
import { createRedisConnection, isCluster, isRedisUnavailable, parseRedisUrl, waitForReady, type RedisClient } from '../src';

describe('parseRedisUrl', () => {
  it('passes redis:// and rediss:// through as one node', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379/2' });
    expect(parseRedisUrl('rediss://:pw@redis.example:6380')).toEqual({ kind: 'single', url: 'rediss://:pw@redis.example:6380' });
  });

  it('reads Sentinel addresses, the master name, password and db', () => {
    expect(parseRedisUrl('redis-sentinel://:s%40cret@10.0.0.1:26379,10.0.0.2,[::1]:26380/orders?db=3&sentinelPassword=sp')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'orders',
      password: 's@cret',
      sentinelPassword: 'sp',
      db: 3,
      tls: false,
    });
  });

  it('reads cluster seed nodes, user and password', () => {
    expect(parseRedisUrl('redis-cluster://bus:pw@a:7000,b:7001,c?tls=true')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: 'c', port: 6379 },
      ],
      username: 'bus',
      password: 'pw',
      tls: true,
    });
  });

  it.each([
    ['http://127.0.0.1:6379', /not a redis/],
    ['redis-sentinel://127.0.0.1:26379', /names the master/],
    ['redis-sentinel://127.0.0.1:26379/m?db=x', /db must be a number/],
    ['redis-cluster://127.0.0.1:7000/1', /no path/],
    ['redis-cluster://127.0.0.1:99999', /not a port/],
    ['redis-cluster://:topsecret@h:x', /not a host:port/],
  ])('refuses %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('takes what ioredis reports while a cluster or a slot is down for "unavailable" (a 503, retry)', () => {
    for (const message of [
      'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
      'Failed to refresh slots cache.',
      "Cluster isn't ready and enableOfflineQueue options is false",
      'CLUSTERDOWN Hash slot not served',
      // What a MULTI for a dead master's slot can answer once ioredis stops redirecting it.
      'MOVED 1960 127.0.0.1:33523',
      'ASK 1960 127.0.0.1:33523',
    ]) {
      expect(isRedisUnavailable(new Error(message))).toBe(true);
    }
    expect(isRedisUnavailable(new Error('ERR unknown command'))).toBe(false);
    expect(isRedisUnavailable(new Error('ERR MOVED is not a command here'))).toBe(false);
  });

  it('never repeats a password in its errors', () => {
    expect(() => parseRedisUrl('redis-sentinal://:topsecret@h:1/m')).toThrow(/\*\*\*@h/);
    expect(() => parseRedisUrl('redis-sentinal://:topsecret@h:1/m')).not.toThrow(/topsecret/);
  });
});

describe('createRedisConnection', () => {
  const open: RedisClient[] = [];
  const connect = async (url: string, role: 'ingest' | 'worker', commandTimeoutMs = 1000): Promise<RedisClient> => {
    const client = createRedisConnection(url, role, { commandTimeoutMs, connectionName: 'orderbus-test' });
    client.on('error', () => undefined);
    open.push(client);
    await waitForReady(client);
    return client;
  };
  afterEach(() => {
    for (const client of open.splice(0)) client.disconnect();
  });

  describe('single node', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('opens a plain connection that names itself', async () => {
      const client = await connect(redis.url, 'worker');
      expect(isCluster(client)).toBe(false);
      expect(await client.client('GETNAME')).toBe('orderbus-test');
    });

    it('with autoPipelining, sends the commands of one tick as one batch', async () => {
      const client = createRedisConnection(redis.url, 'worker', { autoPipelining: true, connectionName: 'orderbus-test' }) as Redis;
      open.push(client);
      await waitForReady(client);
      const writes = Array.from({ length: 50 }, (_, i) => client.set(`ap:${i}`, String(i)));
      // Queued for the next tick, not written one by one.
      expect(client.autoPipelineQueueSize).toBe(50);
      await Promise.all(writes);
      expect(await client.mget(...Array.from({ length: 50 }, (_, i) => `ap:${i}`))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
      const plain = await connect(redis.url, 'worker');
      void plain.get('ap:0');
      expect((plain as Redis).autoPipelineQueueSize).toBe(0);
    });

    it('ingest fails fast while Redis is stalled, with an error taken for "unavailable"', async () => {
      const client = await connect(redis.url, 'ingest', 300);
      redis.process!.kill('SIGSTOP');
      try {
        const started = Date.now();
        const err = await client.set('k', 'v').catch((e: unknown) => e);
        expect(isRedisUnavailable(err)).toBe(true);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        redis.process!.kill('SIGCONT');
      }
    });
  });

  describe('Sentinel', () => {
    let master: TestRedis;
    let sentinel: ChildProcess;
    let dir: string;
    let sentinelPort: number;
    beforeAll(async () => {
      master = await startRedisServer();
      sentinelPort = await freePort();
      dir = mkdtempSync(join(tmpdir(), 'orderbus-sentinel-'));
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${sentinelPort}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor orders 127.0.0.1 ${master.port} 1`,
          'sentinel down-after-milliseconds orders 5000',
        ].join('\n'),
      );
      sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      await waitUntil(
        async () => {
          const probe = new Redis({ port: sentinelPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          probe.on('error', () => undefined);
          try {
            await probe.connect();
            return ((await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'orders')) as string[] | null)?.[1] === String(master.port);
          } finally {
            probe.disconnect();
          }
        },
        { timeoutMs: 15_000, description: 'the sentinel to know the master' },
      );
    });
    afterAll(async () => {
      sentinel.kill('SIGKILL');
      await master.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reaches the master the Sentinel names, in the database the URL asks for', async () => {
      const client = await connect(`redis-sentinel://127.0.0.1:${sentinelPort}/orders?db=2`, 'ingest');
      expect(isCluster(client)).toBe(false);
      await client.set('via-sentinel', 'yes');
      const direct = new Redis(`${master.url}/2`);
      try {
        expect(await direct.get('via-sentinel')).toBe('yes');
      } finally {
        direct.disconnect();
      }
    });
  });

  describe('Redis Cluster', () => {
    let cluster: TestRedisCluster;
    beforeAll(async () => {
      cluster = await startRedisCluster({ masters: 3 });
    });
    afterAll(async () => {
      await cluster.stop();
    });

    it('opens a cluster client that reaches keys on every master', async () => {
      const client = await connect(cluster.url, 'worker');
      expect(isCluster(client)).toBe(true);
      const keys = Array.from({ length: 30 }, (_, i) => `spread-${i}`);
      const owners = new Set(await Promise.all(keys.map((k) => cluster.portOf(k))));
      expect(owners.size).toBe(3);
      await Promise.all(keys.map((k) => client.set(k, k)));
      expect(await Promise.all(keys.map((k) => client.get(k)))).toEqual(keys);
    });

    it('ingest fails fast on the slots of a dead master and recovers when it is back', async () => {
      const client = await connect(cluster.url, 'ingest', 500);
      const [downPort] = cluster.ports;
      const keys = Array.from({ length: 30 }, (_, i) => `down-${i}`);
      const owners = await Promise.all(keys.map((k) => cluster.portOf(k)));
      const onDead = keys.find((_, i) => owners[i] === downPort)!;
      const onLive = keys.find((_, i) => owners[i] !== downPort)!;

      await cluster.kill(downPort!);
      const started = Date.now();
      const err = await client.set(onDead, 'v').catch((e: unknown) => e);
      expect(isRedisUnavailable(err)).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await client.set(onLive, 'v')).toBe('OK');

      await cluster.start(downPort!);
      await waitUntil(async () => (await client.set(onDead, 'v').catch(() => undefined)) === 'OK', {
        timeoutMs: 15_000,
        description: 'the restarted master to serve again',
      });
    });
  });
});
