import fc from 'fast-check';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_DELIVERY_POLICY, type HealthPolicy } from '@orderbus/delivery';
import { createLogger, createMetrics } from '@orderbus/observability';
import { SubscriptionStore } from '@orderbus/registry';
import { createRedisConnection, subscriptionQueueName, waitForReady } from '@orderbus/queues';
import { startRedisServer, startSmtpServer, uniquePrefix, waitUntil, type TestRedis } from '@orderbus/testkit';
import { AlertOutbox, AlertSender, BacklogTrimmer, HealthStore, failingAlert } from '../src';

const logger = createLogger({ service: 'test', silent: true });
const thresholds: HealthPolicy = { ...DEFAULT_DELIVERY_POLICY.health, windowSize: 20, failingAfterConsecutiveFailures: 3, alertThrottleMs: 60_000 };

describe('lifecycle building blocks', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedisConnection(server.url, 'worker') as Redis;
    await waitForReady(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  describe('HealthStore', () => {
    it('moves healthy -> degraded -> failing on consecutive failures and back to healthy on success', async () => {
      const health = new HealthStore(redis, uniquePrefix(), thresholds);
      const at = Date.now();
      const ok = () => health.record('S', { ok: true, at, durationMs: 20 });
      const fail = () => health.record('S', { ok: false, at, durationMs: 30, failure: { at, eventId: 'e', attemptNumber: 1, status: 500, resultClass: 'http_5xx', message: 'boom' } });
      expect(await ok()).toMatchObject({ previousState: 'unknown', state: 'healthy', consecutiveFailures: 0 });
      expect((await fail()).state).toBe('healthy');
      expect((await fail()).state).toBe('degraded');
      const third = await fail();
      expect(third).toMatchObject({ previousState: 'degraded', state: 'failing', consecutiveFailures: 3, failingSince: at });
      expect((await ok()).state).toBe('healthy');
      const summary = await health.summary('S');
      expect(summary).toMatchObject({ state: 'healthy', consecutiveFailures: 0, window: 5, successRate: 0.4, p50Ms: 30 });
      expect(summary.failingSince).toBeUndefined();
      expect(summary.lastError).toMatchObject({ status: 500, resultClass: 'http_5xx' });
      expect(summary.recentFailures).toHaveLength(3);
    });

    it('fails a subscription on a low success rate over the window, and keeps per-minute history', async () => {
      const prefix = uniquePrefix();
      const health = new HealthStore(redis, prefix, thresholds);
      const at = Date.now();
      let last;
      // Alternate: never 3 failures in a row, but a 50 % success rate (< 0.95 degraded, not < 0.5 failing).
      for (let i = 0; i < 20; i++) last = await health.record('R', { ok: i % 2 === 0, at, durationMs: i % 2 === 0 ? 8 : 400 });
      expect(last!.state).toBe('degraded');
      // Two failures, one success, twice: still never 3 in a row, but 9 of the last 20 succeeded.
      for (let i = 0; i < 6; i++) last = await health.record('R', { ok: i % 3 === 2, at, durationMs: 400 });
      expect(last!.successRate).toBe(0.45);
      expect(last!.consecutiveFailures).toBe(0);
      expect(last!.state).toBe('failing');
      const history = await health.history('R', at - 60_000, at);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ attempts: 26, failures: 14 });
      expect(history[0]!.p99Ms).toBe(500);
      // Minute buckets are kept two days.
      const ttl = await redis.ttl(`${prefix}:${subscriptionQueueName('R')}:health:m:${Math.floor(at / 60_000)}`);
      expect(ttl).toBeGreaterThan(2 * 24 * 3600 - 60);
      expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
      expect(await health.states(['R', 'NONE'])).toEqual(new Map([['R', 'failing'], ['NONE', 'unknown']]));
    });

    it('keeps the success rate of exactly the last windowSize attempts, recorded together or one by one, across a window written before the running count and a smaller window', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 15 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 8 }), async (turns, smaller) => {
          const prefix = uniquePrefix();
          const health = new HealthStore(redis, prefix, { ...thresholds, windowSize: 10 });
          const outcomes: boolean[] = [];
          const attempt = (ok: boolean) => {
            const at = Date.now();
            return { ok, at, durationMs: 5, ...(ok ? {} : { failure: { at, eventId: 'e', attemptNumber: 1, status: 500, resultClass: 'http_5xx' as const, message: 'boom' } }) };
          };
          let last;
          for (const [index, turn] of turns.entries()) {
            // Every attempt of a turn at once, as a busy worker records them (one batch).
            const changes = await Promise.all(turn.map((ok) => health.record('W', attempt(ok))));
            outcomes.push(...turn);
            last = changes[changes.length - 1]!;
            const window = outcomes.slice(-10);
            expect(last.samples).toBe(window.length);
            expect(last.successRate).toBeCloseTo(window.filter(Boolean).length / window.length, 3);
            // Halfway, forget the running count, as a window written by an older orderbus would be.
            if (index === Math.floor(turns.length / 2)) await redis.hdel(`${prefix}:${subscriptionQueueName('W')}:health`, 'windowSuccesses');
          }
          const shrunk = new HealthStore(redis, prefix, { ...thresholds, windowSize: smaller });
          const change = await shrunk.record('W', attempt(true));
          const window = [...outcomes, true].slice(-smaller);
          expect(change.samples).toBe(window.length);
          expect(change.successRate).toBeCloseTo(window.filter(Boolean).length / window.length, 3);
          expect((await shrunk.summary('W')).successRate).toBeCloseTo(change.successRate, 3);
        }),
        { numRuns: 30 },
      );
    });

    it('records attempts written together exactly as it records them one by one: the same changes and the same data', async () => {
      const attemptArb = fc.record({ ok: fc.boolean(), durationMs: fc.integer({ min: 0, max: 40_000 }), minute: fc.integer({ min: 0, max: 2 }) });
      await fc.assert(
        fc.asyncProperty(
          fc.array(attemptArb, { maxLength: 12 }),
          // Up to 130 at once: more than one write (100 attempts each) for a subscription.
          fc.array(fc.array(attemptArb, { minLength: 1, maxLength: 130 }), { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 1, max: 25 }),
          fc.boolean(),
          async (before, batches, windowSize, oldWindow) => {
            const policy = { ...thresholds, windowSize };
            const [alone, together] = [uniquePrefix(), uniquePrefix()];
            const base = Math.floor(Date.now() / 60_000) * 60_000;
            let n = 0;
            const attempt = ({ ok, durationMs, minute }: { ok: boolean; durationMs: number; minute: number }) => {
              const at = base + minute * 60_000 + n++;
              return { ok, at, durationMs, ...(ok ? {} : { failure: { at, eventId: `e${n}`, attemptNumber: 1, status: 500, resultClass: 'http_5xx' as const, message: 'boom' } }) };
            };
            const stores = { alone: new HealthStore(redis, alone, policy), together: new HealthStore(redis, together, policy) };
            // The same history first, one by one; optionally as an older orderbus left it (no running count).
            for (const a of before.map(attempt)) for (const store of Object.values(stores)) await store.record('H', a);
            if (oldWindow) for (const prefix of [alone, together]) await redis.hdel(`${prefix}:${subscriptionQueueName('H')}:health`, 'windowSuccesses');
            for (const batch of batches) {
              const attempts = batch.map(attempt);
              const oneByOne = [];
              for (const a of attempts) oneByOne.push(await stores.alone.record('H', a));
              expect(await Promise.all(attempts.map((a) => stores.together.record('H', a)))).toEqual(oneByOne);
            }
            const data = async (prefix: string) => {
              const keys = await redis.keys(`${prefix}:*`);
              return Object.fromEntries(
                await Promise.all(
                  keys.map(async (key) => {
                    const value = (await redis.type(key)) === 'list' ? await redis.lrange(key, 0, -1) : await redis.hgetall(key);
                    // TTLs as a class (none, or within a minute of two days): the two runs write at slightly different moments.
                    const ttl = await redis.ttl(key);
                    return [key.slice(prefix.length), value, ttl === -1 ? 'none' : ttl > 2 * 24 * 3600 - 60 ? 'two days' : ttl] as const;
                  }),
                ),
              );
            };
            expect(await data(together)).toEqual(await data(alone));
          },
        ),
        { numRuns: 40 },
      );
    });

    it('holds successes back up to recordDelayMs, and writes a failure at once together with the successes before it', async () => {
      const prefix = uniquePrefix();
      const health = new HealthStore(redis, prefix, thresholds, { recordDelayMs: 60_000 });
      const window = `${prefix}:${subscriptionQueueName('D')}:health:window`;
      const at = Date.now();
      const first = health.record('D', { ok: true, at, durationMs: 7 });
      const second = health.record('D', { ok: true, at, durationMs: 8 });
      const other = health.record('OTHER', { ok: true, at, durationMs: 9 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await redis.llen(window)).toBe(0);
      const failure = await health.record('D', { ok: false, at, durationMs: 30, failure: { at, eventId: 'e', attemptNumber: 1, status: 500, resultClass: 'http_5xx', message: 'boom' } });
      expect(failure).toMatchObject({ state: 'healthy', consecutiveFailures: 1, samples: 3 });
      expect(await Promise.all([first, second])).toEqual([expect.objectContaining({ samples: 1 }), expect.objectContaining({ samples: 2 })]);
      expect(await redis.lrange(window, 0, -1)).toEqual(['0:30', '1:8', '1:7']);
      // Another subscription's success still waits, until flush().
      expect(await redis.exists(`${prefix}:${subscriptionQueueName('OTHER')}:health:window`)).toBe(0);
      health.flush();
      expect(await other).toMatchObject({ state: 'healthy', samples: 1 });
    });

    it('grants one failure alert per throttle period', async () => {
      const health = new HealthStore(redis, uniquePrefix(), { ...thresholds, alertThrottleMs: 300 });
      expect(await health.claimAlert('T')).toBe(true);
      expect(await health.claimAlert('T')).toBe(false);
      await new Promise((r) => setTimeout(r, 350));
      expect(await health.claimAlert('T')).toBe(true);
    });
  });

  describe('BacklogTrimmer', () => {
    it('moves the oldest events beyond the count and age limits of an auto-disabled subscription to its dead letters', async () => {
      const prefix = uniquePrefix();
      const store = new SubscriptionStore(redis, prefix);
      await store.put('FULL', { callbackUrl: 'https://receiver.example.com/hook', contact: { name: 'n', email: 'n@example.com' } });
      await store.setStatus('FULL', { status: 'auto-disabled', by: 'test', reason: 'test' });
      const queue = new Queue(subscriptionQueueName('FULL'), { connection: redis, prefix });
      const now = Date.now();
      for (let i = 0; i < 10; i++) await queue.add('order.created', { event: { eventId: `e${i}` } }, { jobId: `e-e${i}`, timestamp: i < 2 ? now - 10_000 : now });
      const trimmer = new BacklogTrimmer(redis, prefix, store, { maxWhileAutoDisabled: 5, maxAgeWhileAutoDisabledMs: 5000 }, logger);

      expect(await trimmer.trimAll(now)).toBe(5);
      const failed = await queue.getFailed();
      expect(failed.map((j) => j.id).sort()).toEqual(['e-e0', 'e-e1', 'e-e2', 'e-e3', 'e-e4']);
      expect(failed[0]!.failedReason).toMatch(/backlog limit while auto-disabled/);
      expect(await queue.getWaitingCount()).toBe(5);

      // Age alone: make every remaining event old.
      expect(await trimmer.trim('FULL', now + 60_000)).toBe(5);
      expect(await queue.getWaitingCount()).toBe(0);
      await queue.close();
    });
  });

  describe('alert mail', () => {
    it('retries a mail while the SMTP server refuses it, without blocking the caller', async () => {
      const smtp = await startSmtpServer();
      const prefix = uniquePrefix();
      const metrics = createMetrics('test');
      const outbox = new AlertOutbox(redis, prefix);
      const sender = new AlertSender({ connection: redis, prefix, smtpUrl: smtp.url, from: 'orderbus <a@orderbus.test>', logger, metrics });
      smtp.refuse(true);
      const subscription = {
        baseCode: 'MAILED',
        callbackUrl: 'https://r.example.com',
        scope: { dataAreas: '*', changeIds: '*' },
        contact: { name: 'Ops', email: 'ops@example.com' },
        status: 'enabled',
        statusChangedBy: 't',
        statusReason: 't',
        statusChangedAt: '',
        createdAt: '',
        updatedAt: '',
        revision: 1,
      } as const;
      const started = Date.now();
      await outbox.enqueue(failingAlert({ subscription, failures: [{ at: started, eventId: 'e1', attemptNumber: 2, status: 502, resultClass: 'http_5xx', message: 'bad gateway' }] }));
      expect(Date.now() - started).toBeLessThan(1000);
      await waitUntil(async () => (await metrics.emailsSent.get()).values.some((v) => v.labels.outcome === 'failed'), { description: 'a refused send' });
      smtp.refuse(false);
      const [mail] = await smtp.waitForMails(1, { timeoutMs: 20_000 });
      expect(mail!.to).toEqual(['ops@example.com']);
      expect(mail!.text).toContain('e1');
      expect(mail!.text).toContain('502');
      await sender.close();
      await outbox.close();
      await smtp.close();
    });
  });
});
