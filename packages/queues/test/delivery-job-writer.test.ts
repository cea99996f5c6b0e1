import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { DEFAULT_DELIVERY_JOB_POLICY, DeliveryJobWriter, FIRST_IN_LINE_JSON, RedisOutOfStepError, deliveryJobOptions, isRedisUnavailable, type DeliveryJobData, type DeliveryJobSet } from '../src';

describe('DeliveryJobWriter', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  const data: DeliveryJobData = { event: { eventId: 'e1', dataArea: 'fwwt', changeId: 4, data: { serviceOrderId: 'o1' } } as never };
  const opts = { ...deliveryJobOptions(DEFAULT_DELIVERY_JOB_POLICY), jobId: 'e-e1' };
  const set: DeliveryJobSet = { name: 'orderEnded', jobId: 'e-e1', data, opts, queueNames: ['sub.A', 'sub.B'] };

  /** The job hash without its timestamp, and the names of the queue's events (the stream BullMQ's listeners read). */
  async function stored(prefix: string, queueName: string): Promise<{ job: Record<string, string>; events: string[] }> {
    const { timestamp: _timestamp, ...job } = await client.hgetall(`${prefix}:${queueName}:e-e1`);
    const events = (await client.xrange(`${prefix}:${queueName}:events`, '-', '+')).map(([, fields]) => fields[fields.indexOf('event') + 1]!);
    return { job, events };
  }

  it('writes in one MULTI the same job, wait list entry and events Queue.add writes, into every queue, and leaves no key of its own', async () => {
    const prefix = uniquePrefix();
    const writer = new DeliveryJobWriter(client, prefix);
    const queues = ['sub.A', 'sub.B'].map((name) => new Queue(name, { connection: client, prefix, skipMetasUpdate: true }));
    const reference = new Queue('sub.REF', { connection: client, prefix, skipMetasUpdate: true });
    try {
      const transaction = await writer.transaction();
      await transaction.add(writer.prepare(set));
      await transaction.commit();
      await reference.add('orderEnded', data, opts);

      const expected = await stored(prefix, 'sub.REF');
      expect(expected.job.data).toBe(JSON.stringify(data));
      for (const queue of queues) {
        expect(await stored(prefix, queue.name)).toEqual(expected);
        expect((await queue.getWaiting()).map((job) => job.id)).toEqual(['e-e1']);
      }

      // Again: the job exists, nothing new is queued, and BullMQ records the duplicate as Queue.add does.
      const again = await writer.transaction();
      await again.add(writer.prepare(set), ['sub.A']);
      await again.commit();
      await reference.add('orderEnded', data, opts);
      expect(await stored(prefix, 'sub.A')).toEqual(await stored(prefix, 'sub.REF'));
      expect(await queues[0]!.getWaitingCount()).toBe(1);

      expect(await client.keys(`${prefix}:delivery-job-writer*`)).toEqual([]);
    } finally {
      await Promise.all([...queues, reference].map((q) => q.close()));
      await writer.close();
    }
  });

  it('fails the commit with the error of a job that could not be added', async () => {
    const prefix = uniquePrefix();
    const writer = new DeliveryJobWriter(client, prefix);
    try {
      // sub.B's wait list is not a list: its add fails inside the EXEC.
      await client.set(`${prefix}:sub.B:wait`, 'not a list');
      const transaction = await writer.transaction();
      await transaction.add(writer.prepare(set));
      const err = await transaction.commit().catch((e: unknown) => e);
      expect(String(err)).toMatch(/WRONGTYPE/);
      expect(err).not.toBeInstanceOf(RedisOutOfStepError);
    } finally {
      await writer.close();
    }
  });

  it('marks a job first in its line only where its append made the line, and never makes a job hash of its own', async () => {
    const prefix = uniquePrefix();
    const writer = new DeliveryJobWriter(client, prefix);
    const line = `${prefix}:{sub.A}:order:o1`;
    const inLine = (jobId: string): DeliveryJobSet => ({ ...set, jobId, opts: { ...opts, jobId }, queueNames: ['sub.A', 'sub.B'], lines: new Map([['sub.A', line], ['sub.B', `${prefix}:{sub.B}:order:o1`]]) });
    try {
      // sub.B's job counter is no number: its adds fail inside the EXEC before writing a job, while the line appends after them still run.
      await client.set(`${prefix}:sub.B:id`, 'not a number');
      const transaction = await writer.transaction();
      await transaction.add(writer.prepare(inLine('e-1')));
      await transaction.add(writer.prepare(inLine('e-2')));
      await expect(transaction.commit()).rejects.toThrow(/not an integer/);
      expect(await client.lrange(line, 0, -1)).toEqual(['e-1', 'e-2']);
      expect(await client.hget(`${prefix}:sub.A:e-1`, 'progress')).toBe(FIRST_IN_LINE_JSON);
      expect(await client.hget(`${prefix}:sub.A:e-2`, 'progress')).toBeNull();
      // sub.B's first job made its line but was never added: no hash holding only the mark.
      expect(await client.exists(`${prefix}:sub.B:e-1`)).toBe(0);
    } finally {
      await writer.close();
    }
  });

  it('takes replies out of step for Redis being unavailable (503, retry), not a bad request', () => {
    expect(isRedisUnavailable(new RedisOutOfStepError('EXEC answered nil for 2 jobs'))).toBe(true);
  });
});
