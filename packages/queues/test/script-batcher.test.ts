import fc from 'fast-check';
import { Redis } from 'ioredis';
import { startRedisCluster, startRedisServer, uniquePrefix, type TestRedis, type TestRedisCluster } from '@orderbus/testkit';
import { createRedisConnection, LuaScript, ScriptBatcher, waitForReady, type RedisClient } from '../src';

/** Appends ARGV[1] to a list and returns the list's new length and its first element. */
const append = new LuaScript(`
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
return {length, redis.call('LINDEX', KEYS[1], 0)}
`);
/** Adds ARGV[1] to a counter; fails (a Lua error) when asked to add "boom". */
const addTo = new LuaScript(`
if ARGV[1] == 'boom' then error('refused to add boom') end
return redis.call('INCRBY', KEYS[1], ARGV[1])
`);
/** Moves the counter KEYS[1] into KEYS[2] (two keys, one slot on a cluster); nil when there was nothing. */
const moveCounter = new LuaScript(`
local value = redis.call('GET', KEYS[1])
if not value then return nil end
redis.call('DEL', KEYS[1])
return redis.call('INCRBY', KEYS[2], value)
`);

describe('ScriptBatcher on a single node', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('sends the invocations of one turn as one EVALSHA and gives each caller its own reply', async () => {
    const batcher = ScriptBatcher.of(client);
    expect(ScriptBatcher.of(client)).toBe(batcher);
    const p = uniquePrefix();
    // First batch: Redis learns the combined script (NOSCRIPT, then EVAL).
    await Promise.all([
      batcher.run(append, [`${p}:warm`], ['x']),
      batcher.run(addTo, [`${p}:warm-counter`], [1]),
      batcher.run(moveCounter, [`${p}:warm-counter`, `${p}:warm-target`]),
    ]);

    const before = await scriptCalls(client);
    const replies = await Promise.all([
      batcher.run(append, [`${p}:list`], ['a']),
      batcher.run(addTo, [`${p}:counter`], [5]),
      batcher.run(append, [`${p}:list`], ['b']),
      batcher.run(addTo, [`${p}:counter`], [-2]),
      batcher.run(moveCounter, [`${p}:nothing`, `${p}:target`]),
    ]);
    expect(await scriptCalls(client)).toEqual({ evalsha: before.evalsha + 1, eval: before.eval });
    expect(replies).toEqual([[1, 'a'], 5, [2, 'a'], 3, null]);
    expect(await client.lrange(`${p}:list`, 0, -1)).toEqual(['a', 'b']);
  });

  it('splits a turn whose invocations carry many arguments into several calls, in order, each caller getting its reply', async () => {
    const batcher = ScriptBatcher.of(client);
    const p = uniquePrefix();
    await batcher.run(append, [`${p}:warm`], ['x']);
    const before = await scriptCalls(client);
    // 30 invocations of 1,000 arguments each: 30,000 arguments, more than one call may carry.
    const many = Array.from({ length: 1000 }, (_, i) => String(i));
    const replies = await Promise.all(Array.from({ length: 30 }, (_, n) => batcher.run(append, [`${p}:list`], [`item-${n}`, ...many])));
    expect(replies.map((r) => (r as [number, string])[0])).toEqual(Array.from({ length: 30 }, (_, n) => n + 1));
    expect(await client.lrange(`${p}:list`, 0, -1)).toEqual(Array.from({ length: 30 }, (_, n) => `item-${n}`));
    const calls = (await scriptCalls(client)).evalsha - before.evalsha;
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(5);
  });

  it('rejects only the invocation whose script failed; the others run and keep their writes', async () => {
    const batcher = ScriptBatcher.of(client);
    const p = uniquePrefix();
    const results = await Promise.allSettled([
      batcher.run(addTo, [`${p}:counter`], [1]),
      batcher.run(addTo, [`${p}:counter`], ['boom']),
      batcher.run(append, [`${p}:counter`], ['wrong type']),
      batcher.run(addTo, [`${p}:counter`], [10]),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('refused to add boom') } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('WRONGTYPE') } });
    expect(results[3]).toEqual({ status: 'fulfilled', value: 11 });
    expect(await client.get(`${p}:counter`)).toBe('11');
  });

  it('loads the combined script again after SCRIPT FLUSH, and again when a new script joins it', async () => {
    const batcher = ScriptBatcher.of(client);
    const p = uniquePrefix();
    expect(await batcher.run(addTo, [`${p}:c`], [1])).toBe(1);
    await client.script('FLUSH');
    expect(await batcher.run(addTo, [`${p}:c`], [1])).toBe(2);
    const late = new LuaScript(`return redis.call('GET', KEYS[1])`);
    expect(await Promise.all([batcher.run(late, [`${p}:c`]), batcher.run(addTo, [`${p}:c`], [1])])).toEqual(['2', 3]);
  });

  it('rejects every invocation of a batch the connection could not send', async () => {
    const offline = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const batcher = ScriptBatcher.of(offline);
    const results = await Promise.allSettled([batcher.run(addTo, ['a'], [1]), batcher.run(append, ['b'], ['x'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    offline.disconnect();
  });

  it('gives the same replies and leaves the same data as running each script on its own, in call order', async () => {
    type Op = { script: 'append' | 'add' | 'move'; key: number; other: number; value: number };
    const op = fc.record({
      script: fc.constantFrom<Op['script']>('append', 'add', 'move'),
      key: fc.integer({ min: 0, max: 3 }),
      other: fc.integer({ min: 0, max: 3 }),
      value: fc.integer({ min: -5, max: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        // Each script on its own, one call after the other; then all of them through the batcher in one turn.
        const direct = uniquePrefix();
        const batched = uniquePrefix();
        const sequential: unknown[] = [];
        for (const o of ops) {
          if (o.script === 'append') sequential.push(await append.run(client, [`${direct}:list:${o.key}`], [String(o.value)]));
          else if (o.script === 'add') sequential.push(await addTo.run(client, [`${direct}:n:${o.key}`], [o.value]));
          else sequential.push(await moveCounter.run(client, [`${direct}:n:${o.key}`, `${direct}:n:${o.other}`], []));
        }
        const batcher = ScriptBatcher.of(client);
        const batchedReplies = await Promise.all(
          ops.map((o) => {
            if (o.script === 'append') return batcher.run(append, [`${batched}:list:${o.key}`], [String(o.value)]);
            if (o.script === 'add') return batcher.run(addTo, [`${batched}:n:${o.key}`], [o.value]);
            return batcher.run(moveCounter, [`${batched}:n:${o.key}`, `${batched}:n:${o.other}`]);
          }),
        );
        expect(batchedReplies).toEqual(sequential);
        expect(await snapshot(client, batched)).toEqual(await snapshot(client, direct));
      }),
      { numRuns: 40 },
    );
  });
});

describe('ScriptBatcher on a 3-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let client: RedisClient;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    client = createRedisConnection(cluster.url, 'worker');
    client.on('error', () => undefined);
    await waitForReady(client);
  });
  afterAll(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it('batches by hash tag, so invocations for keys in many slots all run in one turn', async () => {
    const p = uniquePrefix();
    const batcher = ScriptBatcher.of(client);
    // 30 tags spread over every master; two keys of one tag in one invocation.
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => [
        batcher.run(addTo, [`${p}:{sub.s${i}}:a`], [i]),
        batcher.run(moveCounter, [`${p}:{sub.s${i}}:a`, `${p}:{sub.s${i}}:b`]),
      ]).flat(),
    );
    expect(replies).toEqual(Array.from({ length: 30 }, (_, i) => [i, i]).flat());
    for (let i = 0; i < 30; i++) expect(await client.get(`${p}:{sub.s${i}}:b`)).toBe(String(i));
  });
});

async function scriptCalls(client: Redis): Promise<{ evalsha: number; eval: number }> {
  const stats = await client.info('commandstats');
  const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return { evalsha: calls('evalsha'), eval: calls('eval') };
}

/** Every key under a prefix with its value, with the prefix cut off. */
async function snapshot(client: Redis, prefix: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const key of (await client.keys(`${prefix}:*`)).sort()) {
    const type = await client.type(key);
    result[key.slice(prefix.length)] = type === 'list' ? await client.lrange(key, 0, -1) : await client.get(key);
  }
  return result;
}
