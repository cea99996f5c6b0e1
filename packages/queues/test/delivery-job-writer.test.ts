import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { DEFAULT_DELIVERY_JOB_POLICY, DeliveryJobWriter, deliveryJobOptions, type DeliveryJobData } from '../src';

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

  it('writes in one MULTI the same jobs Queue.add writes, into every queue, and leaves no key of its own', async () => {
    const prefix = uniquePrefix();
    const writer = new DeliveryJobWriter(client, prefix);
    const queues = ['sub.A', 'sub.B'].map((name) => new Queue(name, { connection: client, prefix }));
    const reference = new Queue('sub.REF', { connection: client, prefix });
    try {
      const data: DeliveryJobData = { event: { eventId: 'e1', dataArea: 'fwwt', changeId: 4, data: { serviceOrderId: 'o1' } } as never };
      const opts = { ...deliveryJobOptions(DEFAULT_DELIVERY_JOB_POLICY), jobId: 'e-e1' };

      await writer.ready();
      const transaction = await writer.transaction();
      await writer.add(transaction, { name: 'orderEnded', jobId: 'e-e1', data, opts, queueNames: ['sub.A', 'sub.B'] });
      const replies = await transaction.exec();
      expect(replies).toEqual([
        [null, 'e-e1'],
        [null, 'e-e1'],
      ]);
      await reference.add('orderEnded', data, opts);

      const stored = async (queueName: string): Promise<Record<string, string>> => {
        const { timestamp: _timestamp, ...fields } = await client.hgetall(`${prefix}:${queueName}:e-e1`);
        return fields;
      };
      const expected = await stored('sub.REF');
      expect(expected.data).toBe(JSON.stringify(data));
      for (const queue of queues) {
        expect(await stored(queue.name)).toEqual(expected);
        expect((await queue.getWaiting()).map((job) => job.id)).toEqual(['e-e1']);
      }
      expect(await client.keys(`${prefix}:delivery-job-writer*`)).toEqual([]);
    } finally {
      await Promise.all([...queues, reference].map((q) => q.close()));
      await writer.close();
    }
  });
});
