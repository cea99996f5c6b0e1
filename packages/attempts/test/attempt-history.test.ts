import fc from 'fast-check';
import { Redis } from 'ioredis';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { AttemptHistory, AttemptPeriods, attemptKeys, type AttemptRecord } from '../src';

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
    for (const key of [keys.recent, keys.seq, keys.eventsInPeriod(0), keys.event('e1')]) expect(key).toMatch(/^ob:\{sub\.ERP-1\}:attempts:/);
  });

  it('caps the recent list and each event\'s attempts, and expires them with the retention TTL', async () => {
    const prefix = uniquePrefix();
    const now = Date.now();
    const history = new AttemptHistory(redis, prefix, { attemptsPerEvent: 3, recentAttemptsPerSubscription: 5, attemptHistoryTtlMs: 60_000 }, { clock: () => now });
    for (let n = 1; n <= 4; n++) await history.record('CAP', record('e1', n));
    for (let n = 1; n <= 3; n++) await history.record('CAP', record('e2', n));
    expect((await history.ofEvent('CAP', 'e1')).map((a) => a.attemptNumber)).toEqual([2, 3, 4]);
    const keys = attemptKeys(prefix, 'CAP');
    expect(await redis.llen(keys.recent)).toBe(5);
    for (const key of [keys.recent, keys.seq]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // One hash for the period, both events in it, capped, expiring a TTL after the period ends.
    const periods = new AttemptPeriods(60_000);
    const period = keys.eventsInPeriod(periods.startOf(now));
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([keys.periods, period, keys.recent, keys.seq].sort());
    expect((await redis.hget(period, 'e1'))!.split('\n')).toHaveLength(3);
    const expiry = periods.expiryOf(periods.startOf(now));
    expect(Number(await redis.call('PEXPIRETIME', period))).toBe(expiry);
    // The period index lists it until it expires, and expires with the last period it lists.
    expect(await redis.zrange(keys.periods, 0, -1, 'WITHSCORES')).toEqual([String(periods.startOf(now)), String(expiry)]);
    expect(Number(await redis.call('PEXPIRETIME', keys.periods))).toBe(expiry);
  });

  it('lets a reader that does not know the writer\'s TTL find the events\' attempts, and forgets expired periods by Redis\'s clock', async () => {
    const prefix = uniquePrefix();
    const ttl = 60_000;
    let now = Date.now() - 3 * ttl;
    const writer = new AttemptHistory(redis, prefix, { attemptsPerEvent: 10, recentAttemptsPerSubscription: 50, attemptHistoryTtlMs: ttl }, { clock: () => now });
    // The admin app reads with the default policy (a week, periods of a day).
    const reader = new AttemptHistory(redis, prefix, { attemptsPerEvent: 10, recentAttemptsPerSubscription: 50, attemptHistoryTtlMs: 7 * 24 * 3600_000 });
    // Written by a clock three TTLs behind: its period has already expired by Redis's clock.
    await writer.record('IDX', record('old', 1));
    now = Date.now();
    await writer.record('IDX', record('e1', 1));
    await writer.record('IDX', record('e1', 2));
    const keys = attemptKeys(prefix, 'IDX');
    expect(await redis.zrange(keys.periods, 0, -1)).toEqual([String(new AttemptPeriods(ttl).startOf(now))]);
    expect((await reader.ofEvent('IDX', 'e1')).map((a) => a.attemptNumber)).toEqual([1, 2]);
    expect(await reader.ofEvent('IDX', 'old')).toEqual([]);
  });

  it('keeps an event\'s attempts across periods, oldest first, the last attemptsPerEvent of each', async () => {
    const prefix = uniquePrefix();
    let now = Date.now();
    const ttl = 60_000;
    const history = new AttemptHistory(redis, prefix, { attemptsPerEvent: 2, recentAttemptsPerSubscription: 50, attemptHistoryTtlMs: ttl }, { clock: () => now });
    for (let n = 1; n <= 3; n++) await history.record('SPAN', record('e1', n));
    now += ttl;
    for (let n = 4; n <= 5; n++) await history.record('SPAN', record('e1', n));
    expect(await redis.keys(`${attemptKeys(prefix, 'SPAN').eventsInPeriod(0).replace(/0$/, '')}*`)).toHaveLength(2);
    // The last two of each period.
    expect((await history.ofEvent('SPAN', 'e1')).map((a) => a.attemptNumber)).toEqual([2, 3, 4, 5]);
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

  it('stores attempts written together exactly as it stores them one by one: the same seqs and the same keys and values', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Up to 120 at once: more than one write (100 records each) for a subscription.
        fc.array(fc.array(fc.record({ event: fc.integer({ min: 0, max: 4 }), failed: fc.boolean() }), { minLength: 1, maxLength: 120 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 30 }),
        async (batches, attemptsPerEvent, recentAttemptsPerSubscription) => {
          const retention = { attemptsPerEvent, recentAttemptsPerSubscription, attemptHistoryTtlMs: 60_000 };
          const [alone, together] = [uniquePrefix(), uniquePrefix()];
          // One clock for both: the same periods, whatever the time the writes take.
          const now = Date.now();
          const histories = { alone: new AttemptHistory(redis, alone, retention, { clock: () => now }), together: new AttemptHistory(redis, together, retention, { clock: () => now }) };
          let n = 0;
          for (const batch of batches) {
            const records = batch.map(({ event, failed }) => ({ ...record(`e${event}`, ++n), outcome: failed ? ('failed' as const) : ('delivered' as const) }));
            const oneByOne = [];
            for (const r of records) oneByOne.push(await histories.alone.record('B', r));
            expect(await Promise.all(records.map((r) => histories.together.record('B', r)))).toEqual(oneByOne);
          }
          const data = async (prefix: string) => {
            const keys = await redis.keys(`${prefix}:*`);
            const entries = await Promise.all(
              keys.map(async (key) => {
                const type = await redis.type(key);
                const value =
                  type === 'list' ? await redis.lrange(key, 0, -1)
                  : type === 'hash' ? await redis.hgetall(key)
                  : type === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES')
                  : await redis.get(key);
                return [key.slice(prefix.length), value, Number(await redis.call('PEXPIRETIME', key)) > now] as const;
              }),
            );
            return entries.sort((a, b) => a[0].localeCompare(b[0]));
          };
          expect(await data(together)).toEqual(await data(alone));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('holds delivered attempts back up to recordDelayMs, and stores a failed one at once after them', async () => {
    const prefix = uniquePrefix();
    const history = new AttemptHistory(redis, prefix, { attemptsPerEvent: 50, recentAttemptsPerSubscription: 100, attemptHistoryTtlMs: 60_000 }, { recordDelayMs: 60_000 });
    const delivered = history.record('D', { ...record('d1', 1), outcome: 'delivered', status: 200, resultClass: 'ok' });
    const elsewhere = history.record('OTHER', { ...record('o1', 1), outcome: 'delivered', status: 200, resultClass: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await history.recent('D', { limit: 10 })).items).toEqual([]);
    expect(await history.record('D', record('f1', 1))).toBe(2);
    expect(await delivered).toBe(1);
    expect((await history.recent('D', { limit: 10 })).items.map((a) => [a.seq, a.eventId])).toEqual([
      [2, 'f1'],
      [1, 'd1'],
    ]);
    expect((await history.recent('OTHER', { limit: 10 })).items).toEqual([]);
    history.flush();
    expect(await elsewhere).toBe(1);
    expect((await history.ofEvent('OTHER', 'o1')).map((a) => a.seq)).toEqual([1]);
  });

  it('shows records stored before the compact form next to new ones, in one page and one event', async () => {
    const prefix = uniquePrefix();
    const keys = attemptKeys(prefix, 'MIXED');
    const history = new AttemptHistory(redis, prefix, { attemptsPerEvent: 10, recentAttemptsPerSubscription: 10, attemptHistoryTtlMs: 60_000 });
    const old: AttemptRecord = {
      seq: 1,
      eventId: 'e-1',
      attemptNumber: 1,
      at: '2026-12-03T15:00:00.000Z',
      durationMs: 40,
      outcome: 'failed',
      status: 500,
      resultClass: 'http_5xx',
      message: 'callback answered 500',
      nextRetryAt: '2026-12-03T15:00:10.000Z',
      deadLettered: false,
    };
    // As a version before the compact form left it.
    await redis.set(keys.seq, 1);
    await redis.lpush(keys.recent, JSON.stringify(old));
    await redis.rpush(keys.event('e-1'), JSON.stringify(old));
    const next: Omit<AttemptRecord, 'seq'> = {
      eventId: 'e-1',
      attemptNumber: 2,
      at: '2026-12-03T15:00:10.000Z',
      durationMs: 3,
      outcome: 'delivered',
      status: 200,
      resultClass: 'ok',
      message: 'callback answered 200',
      deadLettered: false,
    };
    expect(await history.record('MIXED', next)).toBe(2);
    expect((await history.recent('MIXED', { limit: 10 })).items).toEqual([{ seq: 2, ...next }, old]);
    expect(await history.ofEvent('MIXED', 'e-1')).toEqual([old, { seq: 2, ...next }]);
  });
});
