import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { subscriptionQueueName } from '@orderbus/queues';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { report } from './support/load';

// What orderbus keeps in Redis is bounded by its configuration: completed jobs, dead letters,
// attempt history (per subscription and per event), and every other key has a TTL or belongs to
// a structure with a cap (docs/faults.md). More events than each cap go through, then the key
// sizes are checked.

const CAPS = {
  recentAttempts: 25,
  attemptsPerEvent: 2,
  completedJobs: 30,
  deadLetters: 10,
  attemptHistoryTtlMs: 120_000,
  completedJobsTtlMs: 120_000,
  idempotencyTtlSeconds: 120,
};
const DELIVERED = 150;
const DEAD = 30;
const ATTEMPTS = 3;

jest.setTimeout(120_000);

describe('retention is bounded by configuration', () => {
  let bus: TestBus;
  let ok: TestReceiver;
  let failing: TestReceiver;

  beforeAll(async () => {
    bus = await startBus({
      env: {
        ORDERBUS_RECENT_ATTEMPTS_PER_SUBSCRIPTION: String(CAPS.recentAttempts),
        ORDERBUS_ATTEMPTS_PER_EVENT: String(CAPS.attemptsPerEvent),
        ORDERBUS_ATTEMPT_HISTORY_TTL_MS: String(CAPS.attemptHistoryTtlMs),
        ORDERBUS_COMPLETED_JOBS_MAX: String(CAPS.completedJobs),
        ORDERBUS_COMPLETED_JOBS_TTL_MS: String(CAPS.completedJobsTtlMs),
        ORDERBUS_DEAD_LETTERS_MAX: String(CAPS.deadLetters),
        ORDERBUS_IDEMPOTENCY_TTL_SECONDS: String(CAPS.idempotencyTtlSeconds),
        ORDERBUS_RETRY_SCHEDULE: '0,20ms',
        ORDERBUS_RETRY_JITTER: '0',
        // Health must not switch the failing subscription off mid-test.
        ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '100000',
      },
    });
    ok = await startReceiver();
    failing = await startReceiver();
    await bus.subscribe('KEEPOK', ok.url, { dataAreas: ['ok'] });
    await bus.subscribe('KEEPDEAD', failing.url, { dataAreas: ['dead'] });
    failing.behave({ status: 500, body: { success: false, message: 'down' } });
    await bus.waitForWorkers(['KEEPOK', 'KEEPDEAD']);
  });
  afterAll(async () => {
    await bus?.close();
    await ok?.close();
    await failing?.close();
  });

  it('keeps completed jobs, dead letters and attempt logs within their caps, and nothing else without a bound', async () => {
    const redis = bus.redisClient();
    const send = async (area: string, count: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 50) {
        // The dead events are of one work order: they fail one after the other, so the newest dead letters are the last sent.
        const orderOf = (n: number): string => (area === 'dead' ? 'dead-order' : `${area}-order-${n % 7}`);
        const events = Array.from({ length: Math.min(50, count - i) }, (_, k) => workOrderEvent({ eventId: `${area}-${i + k}`, dataArea: area, serviceOrderId: orderOf(i + k) }));
        expect((await bus.send({ events })).status).toBe(202);
        ids.push(...events.map((e) => e.eventId as string));
      }
      return ids;
    };
    const okIds = await send('ok', DELIVERED);
    const deadIds = await send('dead', DEAD);
    await waitUntil(() => new Set(ok.requests.map((r) => r.headers['x-orderbus-event-id'])).size >= DELIVERED, { timeoutMs: 60_000, description: 'all delivered' });
    await waitUntil(() => failing.requests.filter((r) => r.headers['x-orderbus-event-id']).length >= DEAD * ATTEMPTS, { timeoutMs: 60_000, description: 'every attempt made' });
    await waitUntil(async () => {
      const counts = await Promise.all([bus.counts('KEEPOK'), bus.counts('KEEPDEAD')]);
      return counts.every((c) => (c.active ?? 0) + (c.waiting ?? 0) + (c.delayed ?? 0) === 0);
    }, { timeoutMs: 30_000, description: 'both queues settled' });

    const okCounts = await bus.counts('KEEPOK');
    const deadCounts = await bus.counts('KEEPDEAD');
    // Completed jobs: at most the cap, the newest.
    expect(okCounts.completed).toBe(CAPS.completedJobs);
    // Dead letters: at most the cap, the newest, and listed as such by the admin API.
    expect(deadCounts.failed).toBe(CAPS.deadLetters);
    const listed = await bus.admin('GET', '/v1/subscriptions/KEEPDEAD/dead-letters?limit=100');
    expect(listed.body.items.map((d: { eventId: string }) => d.eventId).sort()).toEqual(deadIds.slice(-CAPS.deadLetters).sort());

    // Attempt history: the subscription's recent list and each event's list are capped and expire.
    const keyOf = (baseCode: string, suffix: string): string => `${bus.prefix}:${subscriptionQueueName(baseCode)}:${suffix}`;
    for (const baseCode of ['KEEPOK', 'KEEPDEAD']) {
      expect(await redis.llen(keyOf(baseCode, 'attempts:recent'))).toBe(CAPS.recentAttempts);
      const ttl = await redis.pttl(keyOf(baseCode, 'attempts:recent'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(CAPS.attemptHistoryTtlMs);
    }
    // Each event's attempts: the last attemptsPerEvent of its 3 in each period (the first one too if a period began between them).
    const perEvent = await Promise.all(
      deadIds.map(async (id) => {
        const view = await bus.admin('GET', `/v1/events/${id}`);
        return (view.body.deliveries as Array<{ baseCode: string; attempts: Array<{ attemptNumber: number }> }>).find((d) => d.baseCode === 'KEEPDEAD')!.attempts.map((a) => a.attemptNumber);
      }),
    );
    for (const numbers of perEvent) expect(['2,3', '1,2,3']).toContain(numbers.join(','));
    const periodHashes = (await redis.keys(keyOf('KEEPDEAD', 'attempts:events:*'))).concat(await redis.keys(keyOf('KEEPOK', 'attempts:events:*')));
    const stored = (await Promise.all(periodHashes.map((key) => redis.hvals(key)))).flat();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((records) => records.split('\n').length <= CAPS.attemptsPerEvent)).toBe(true);

    // Every key: either it expires within its configured TTL, or it is a structure with a cap.
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${bus.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
    const q = (suffix: string): RegExp => new RegExp(`^${bus.prefix}:\\{sub\\.[A-Z]+\\}:(${suffix})$`);
    // Health keeps one bucket per minute for 2 days, and remembers an alert for the alert throttle (1 h).
    const FIXED_TTL: Array<[RegExp, number]> = [
      [q('health:m:\\d+'), 2 * 24 * 3600_000],
      // A period of events' attempts (the TTL long when it is under a day) expires a TTL after it ends; its index with the last period.
      [q('attempts:events:\\d+|attempts:periods'), 2 * CAPS.attemptHistoryTtlMs],
      [q('health:alerted'), 3600_000],
    ];
    const longestTtl = Math.max(CAPS.attemptHistoryTtlMs, CAPS.completedJobsTtlMs, CAPS.idempotencyTtlSeconds * 1000);
    const bound = (key: string): number => FIXED_TTL.find(([re]) => re.test(key))?.[1] ?? longestTtl;
    expect(keys.filter((k, i) => ttls[i]! > bound(k))).toEqual([]);
    const CAPPED: RegExp[] = [
      // BullMQ's per-queue structures (the job hashes are counted below), the event stream (capped by BullMQ).
      q('meta|id|events|wait|active|paused|delayed|prioritized|completed|failed|stalled-check|stalled|marker|pc|de:.*'),
      // A job hash and its logs: one per job kept (counted against the caps below).
      q('e-[a-z]+-\\d+(:logs)?'),
      // Health: state, rolling window, recent failures (capped lists); status history (last 100).
      q('health|health:window|health:failures|status-history'),
      q('attempts:seq|attempts:recent'),
      // The alert e-mail outbox: a BullMQ queue keeping at most 1000 sent and 1000 failed mails.
      new RegExp(`^${bus.prefix}:\\{orderbus-mail\\}:(meta|id|events|wait|active|paused|delayed|prioritized|completed|failed|stalled-check|stalled|marker|pc|\\d+(:logs)?)$`),
      // The registry (one entry per subscription), live workers, owners' credentials, the audit log (capped).
      new RegExp(`^${bus.prefix}:(\\{registry\\}:.*|subscriptions|subscription-secrets|subscriptions:version|workers|registration-credentials|audit.*)$`),
    ];
    const noTtl = keys.filter((_, i) => ttls[i] === -1);
    expect(noTtl.filter((k) => !CAPPED.some((re) => re.test(k)))).toEqual([]);
    // Job hashes left: exactly the jobs kept (completed and dead), nothing of the trimmed ones.
    const jobHashes = keys.filter((k) => /:e-[a-z]+-\d+$/.test(k));
    expect(jobHashes.length).toBe(CAPS.completedJobs + CAPS.deadLetters);
    // Order lines empty out (Redis deletes them); nothing waits, so none is left.
    expect(keys.filter((k) => k.includes(':order:'))).toEqual([]);

    report('retention', {
      eventsDelivered: okIds.length,
      deadLettered: deadIds.length,
      completedKept: okCounts.completed ?? 0,
      deadLettersKept: deadCounts.failed ?? 0,
      recentAttemptsKept: CAPS.recentAttempts,
      attemptsPerEventKept: CAPS.attemptsPerEvent,
      keys: keys.length,
      keysWithoutTtl: noTtl.length,
    });
  });
});
