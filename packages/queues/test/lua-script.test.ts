import { Redis } from 'ioredis';
import { startRedisServer, type TestRedis } from '@orderbus/testkit';
import { LuaScript } from '../src';

describe('LuaScript', () => {
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

  const incrementBy = new LuaScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`);

  it('runs by SHA once Redis knows the script, and loads it again after SCRIPT FLUSH', async () => {
    expect(incrementBy.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await incrementBy.run(client, ['counter'], [2])).toBe(2);
    expect(await client.script('EXISTS', incrementBy.sha)).toEqual([1]);
    // By SHA now: the source is not sent again.
    const evalsBefore = await commandCalls(client, 'eval');
    expect(await incrementBy.run(client, ['counter'], [3])).toBe(5);
    expect(await commandCalls(client, 'eval')).toBe(evalsBefore);

    await client.script('FLUSH');
    expect(await incrementBy.run(client, ['counter'], [4])).toBe(9);
    expect(await client.script('EXISTS', incrementBy.sha)).toEqual([1]);
  });

  it('passes a script error through', async () => {
    const broken = new LuaScript(`return redis.call('NOSUCHCOMMAND')`);
    await expect(broken.run(client, [])).rejects.toThrow(/Unknown Redis command|unknown command/i);
  });
});

/** How many times Redis ran a command (INFO commandstats). */
async function commandCalls(client: Redis, command: string): Promise<number> {
  const stats = await client.info('commandstats');
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats);
  return match ? Number(match[1]) : 0;
}
