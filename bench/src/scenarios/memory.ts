import { startStack } from '../support/stack';
import { aofSize, usedMemory } from '../support/redis-info';
import { closedLoop } from '../support/load';
import { BareProducer, bareEvents } from '../baselines/bare-bullmq';
import { sleep } from '../support/stats';
import type { RunContext, ScenarioResult } from '../results';

const SUBSCRIPTIONS = 10;
const BATCH = 100;

/**
 * Redis memory per queued event (the README's ~1 KB new-order event): INFO
 * memory before and after queuing N events to 10 subscriptions with no
 * worker running; AOF bytes written too. Baseline (a): the same events
 * added with bare BullMQ addBulk to 10 queues of the same Redis.
 */
export async function memory(ctx: RunContext): Promise<ScenarioResult> {
  const { config, factory } = ctx;
  const n = config.memoryEvents;
  ctx.log(`memory: ${n} events × ${SUBSCRIPTIONS} subscriptions, no worker`);
  const stack = await startStack({ label: 'memory', runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: SUBSCRIPTIONS, logLevel: config.logLevel });
  try {
    const settle = async (): Promise<{ mem: number; aof: number }> => {
      await sleep(1500); // AOF everysec: let the last second reach the file
      return { mem: await usedMemory(stack.client), aof: await aofSize(stack.client) };
    };
    // An AOF rewrite in the middle would shrink the file: none during this scenario.
    await stack.client.config('SET', 'auto-aof-rewrite-percentage', '0');
    // One event first, so lazily created per-queue structures are not counted per event.
    await stack.send(factory.batch(1).body);
    const b0 = await settle();
    const bodies = Array.from({ length: Math.ceil(n / BATCH) }, () => factory.batch(BATCH).body);
    await closedLoop(bodies.length, 2, async (i) => {
      if ((await stack.send(bodies[i]!)) !== 202) throw new Error('ingest refused');
    });
    const b1 = await settle();

    const bare = new BareProducer(stack.redis.url, Array.from({ length: SUBSCRIPTIONS }, (_, i) => `bare-${i + 1}`));
    await bare.addBulk(bareEvents(factory, 1));
    const c0 = await settle();
    const events = Array.from({ length: Math.ceil(n / BATCH) }, () => bareEvents(factory, BATCH));
    await closedLoop(events.length, 2, async (i) => bare.addBulk(events[i]!));
    const c1 = await settle();
    await bare.close();

    const jobs = n * SUBSCRIPTIONS;
    const ob = { perEvent: (b1.mem - b0.mem) / n, perJob: (b1.mem - b0.mem) / jobs, aofPerEvent: (b1.aof - b0.aof) / n };
    const bb = { perEvent: (c1.mem - c0.mem) / n, perJob: (c1.mem - c0.mem) / jobs, aofPerEvent: (c1.aof - c0.aof) / n };
    ctx.log(`  orderbus ${Math.round(ob.perJob)} B/job, bare BullMQ ${Math.round(bb.perJob)} B/job`);
    return {
      name: 'memory',
      data: { events: n, subscriptions: SUBSCRIPTIONS, envelopeBytes: factory.envelopeBytes(), orderbus: ob, bare: bb },
      rows: [
        {
          scenario: 'Redis memory',
          measure: `bytes per queued event (${factory.envelopeBytes()} B event × ${SUBSCRIPTIONS} subs)`,
          orderbus: Math.round(ob.perEvent),
          baseline: Math.round(bb.perEvent),
          baselineLabel: 'bare BullMQ addBulk (a)',
          ratio: ob.perEvent / bb.perEvent,
        },
        {
          scenario: 'Redis memory',
          measure: 'bytes per job (one event in one subscription queue)',
          orderbus: Math.round(ob.perJob),
          baseline: Math.round(bb.perJob),
          baselineLabel: 'bare BullMQ addBulk (a)',
          ratio: ob.perJob / bb.perJob,
        },
        {
          scenario: 'Redis memory',
          measure: `AOF bytes written per event (× ${SUBSCRIPTIONS} subs)`,
          orderbus: Math.round(ob.aofPerEvent),
          baseline: Math.round(bb.aofPerEvent),
          baselineLabel: 'bare BullMQ addBulk (a)',
          ratio: ob.aofPerEvent / bb.aofPerEvent,
        },
      ],
    };
  } finally {
    await stack.close();
  }
}
