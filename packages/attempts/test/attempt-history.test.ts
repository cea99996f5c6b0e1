import { Redis } from 'ioredis';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { AttemptHistory, attemptKeys, type AttemptRecord } from '../src';

function record(eventId: string, attemptNumber: number): Omit<AttemptRecord, 'seq'> {
  return {
    eventId,
    attemptNumber,
    at: new Date().toISOString(),
    durationMs: 12,
    outcome: 'failed',
    status: 500,
    resultClass: 'http_5xx',
    message: 'callback answered 500',
    deadLettered: false,
  };
}

describe('AttemptHistory', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer({ appendonly: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('keeps a subscription\'s keys under its queue\'s hash tag', () => {
    const keys = attemptKeys('ob', 'ERP-1');
    for (const key of [keys.recent, keys.seq, keys.event('e1')]) expect(key).toMatch(/^ob:\{sub\.ERP-1\}:attempts:/);
  });

  it('caps the recent list and each event\'s list, and expires them with the retention TTL', async () => {
    const prefix = uniquePrefix();
    const history = new AttemptHistory(redis, prefix, { attemptsPerEvent: 3, recentAttemptsPerSubscription: 5, attemptHistoryTtlMs: 60_000 });
    for (let n = 1; n <= 4; n++) await history.record('CAP', record('e1', n));
    for (let n = 1; n <= 3; n++) await history.record('CAP', record('e2', n));
    expect((await history.ofEvent('CAP', 'e1')).map((a) => a.attemptNumber)).toEqual([2, 3, 4]);
    const keys = attemptKeys(prefix, 'CAP');
    expect(await redis.llen(keys.recent)).toBe(5);
    for (const key of [keys.recent, keys.seq, keys.event('e1'), keys.event('e2')]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('pages newest first with stable cursors while attempts keep arriving', async () => {
    const prefix = uniquePrefix();
    const history = new AttemptHistory(redis, prefix, { attemptsPerEvent: 50, recentAttemptsPerSubscription: 100, attemptHistoryTtlMs: 60_000 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => history.record('PAGE', record(`p${i}`, 1))));
    const first = await history.recent('PAGE', { limit: 4 });
    expect(first.items.map((a) => a.seq)).toEqual([10, 9, 8, 7]);
    // New attempts at the head do not shift the next page.
    await history.record('PAGE', record('late', 1));
    const second = await history.recent('PAGE', { limit: 4, after: first.next! });
    expect(second.items.map((a) => a.seq)).toEqual([6, 5, 4, 3]);
    const third = await history.recent('PAGE', { limit: 4, after: second.next! });
    expect(third).toEqual({ items: [expect.objectContaining({ seq: 2 }), expect.objectContaining({ seq: 1 })] });
    expect((await history.recent('NONE', { limit: 4 })).items).toEqual([]);
  });
});
