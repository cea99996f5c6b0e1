import { idempotencyKey, subscriptionQueueName } from '@orderbus/queues';
import { startRedisServer, waitUntil, type TestRedis } from '@orderbus/testkit';
import {
  loadEvent,
  report,
  sendEvents,
  startCountingReceiver,
  startProcessBus,
  waitForDeliveries,
  type CountingReceiver,
  type ProcessBus,
} from './support/load';

// kill -9 of the producer while it fans a batch out: the batch is either acknowledged and
// fully queued, or not acknowledged — and then resending it with the same eventIds completes
// it, with no event queued or delivered twice (docs/faults.md).

const SUBSCRIPTIONS = 3;
const BATCH = 500;
/** When the producer is killed, relative to its fan-out (packages/queues/src/fanout.ts). */
const KILL_POINTS = ['claimed', 'jobs-written', 'confirmed', 'after-5ms', 'claimed', 'jobs-written'] as const;

jest.setTimeout(360_000);

describe('kill -9 of the producer mid-batch', () => {
  let redis: TestRedis;
  let bus: ProcessBus;
  let receiver: CountingReceiver;
  const baseCodes = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `CP${i}`);

  beforeAll(async () => {
    redis = await startRedisServer();
    bus = await startProcessBus(redis);
    receiver = await startCountingReceiver();
    for (const baseCode of baseCodes) await bus.subscribe(baseCode, receiver.url);
    await bus.start('worker');
  });
  afterAll(async () => {
    await bus?.close();
    await receiver?.close();
    await redis?.stop();
  });

  /** How many of each event's jobs exist, over every subscription queue. */
  async function jobsPerEvent(eventIds: string[]): Promise<number[]> {
    const pipeline = bus.client.pipeline();
    for (const id of eventIds) for (const b of baseCodes) pipeline.exists(`${bus.prefix}:${subscriptionQueueName(b)}:e-${id}`);
    const exists = ((await pipeline.exec()) ?? []).map(([, v]) => Number(v));
    return eventIds.map((_, i) => exists.slice(i * SUBSCRIPTIONS, (i + 1) * SUBSCRIPTIONS).reduce((n, v) => n + v, 0));
  }
  const sum = (counts: number[]): number => counts.reduce((n, v) => n + v, 0);

  it('leaves each event all-or-nothing and a first part of the batch queued, and a resend with the same eventIds completes it without duplicates', async () => {
    const rounds: Array<Record<string, string | number>> = [];
    const allIds: string[] = [];
    // The producer that resent one round's batch is the one killed in the next round.
    let producer = await bus.start('producer');
    for (const [r, point] of KILL_POINTS.entries()) {
      const events = Array.from({ length: BATCH }, (_, i) => loadEvent(`cp-${r}-${i}`, 'fwwt', 5000));
      const ids = events.map((e) => e.eventId as string);
      allIds.push(...ids);
      const firstClaim = idempotencyKey(bus.prefix, ids[0]!);
      const lastJob = `${bus.prefix}:${subscriptionQueueName(baseCodes[SUBSCRIPTIONS - 1]!)}:e-${ids[BATCH - 1]}`;

      const sending = sendEvents(producer.url, { events }, 30_000);
      if (point === 'claimed' || point === 'jobs-written') {
        const key = point === 'claimed' ? firstClaim : lastJob;
        await waitUntil(async () => (await bus.client.exists(key)) === 1, { timeoutMs: 20_000, intervalMs: 1, description: `${point} in Redis` });
      } else if (point === 'confirmed') {
        // Past the last step: the 202 may or may not have left the process.
        await waitUntil(async () => ((await bus.client.get(firstClaim)) ?? '').includes('|done|'), { timeoutMs: 20_000, intervalMs: 1, description: 'claims confirmed' });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await producer.kill('SIGKILL');
      const answer = await sending;

      // Each event all or nothing (one MULTI writes its job to every queue), and the events written are a first part
      // of the batch: its transactions go one after the other, so no later event is queued without an earlier one.
      const perEvent = await jobsPerEvent(ids);
      expect(perEvent.filter((n) => n !== 0 && n !== SUBSCRIPTIONS)).toEqual([]);
      const firstMissing = perEvent.indexOf(0);
      if (firstMissing >= 0) expect(perEvent.slice(firstMissing).filter((n) => n !== 0)).toEqual([]);
      const present = sum(perEvent);
      if (answer.status === 202) expect(present).toBe(BATCH * SUBSCRIPTIONS);
      const claim = (await bus.client.get(firstClaim)) ?? '';

      const resender = await bus.start('producer');
      const resend = await sendEvents(resender.url, { events }, 30_000);
      expect(resend.status).toBe(202);
      const receipts = resend.body.events as Array<{ eventId: string; duplicate: boolean; queuedFor: number }>;
      expect(receipts.map((e) => e.eventId)).toEqual(ids);
      expect(new Set(receipts.map((e) => e.queuedFor))).toEqual(new Set([SUBSCRIPTIONS]));
      // Acknowledged before: the resend is a duplicate. Not acknowledged: it is completed now.
      if (answer.status === 202) expect(receipts.every((e) => e.duplicate)).toBe(true);
      expect(sum(await jobsPerEvent(ids))).toBe(BATCH * SUBSCRIPTIONS);
      producer = resender;
      rounds.push({
        point,
        acknowledged: answer.status === 202 ? 'yes' : `no (${answer.error ?? answer.status})`,
        jobsAfterKill: present,
        claim: claim.split('|')[1] ?? 'none',
        resend: receipts.every((e) => e.duplicate) ? 'duplicate' : receipts.some((e) => e.duplicate) ? 'mixed' : 'queued',
      });
    }

    const expected = allIds.flatMap((id) => baseCodes.map((b) => `${b}|${id}`));
    const missing = await waitForDeliveries(receiver, expected, 120_000);
    for (const round of rounds) report('producer kill -9 mid-batch', round);
    report('producer kill -9, all rounds', {
      events: allIds.length,
      deliveriesExpected: expected.length,
      delivered: expected.length - missing.length,
      duplicates: receiver.duplicates(),
      lost: missing.length,
      notAcknowledged: rounds.filter((r) => r.acknowledged !== 'yes').length,
    });
    expect(missing.slice(0, 20)).toEqual([]);
    // The fault hit the window between claim and confirm at least once.
    expect(rounds.some((r) => r.acknowledged !== 'yes')).toBe(true);
    expect(receiver.duplicates()).toBe(0);
  });
});
