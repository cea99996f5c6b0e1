import { startStack } from '../support/stack';
import { clientList, newConnections } from '../support/redis-info';
import { cpuSeconds } from '../support/proc';
import { now, round, sleep } from '../support/stats';
import { orderbusDelivery, withoutArrivals } from './delivery-run';
import type { Row, RunContext, ScenarioResult } from '../results';

/**
 * One event per request, two requests at a time: each request queues 1,000
 * jobs, as a batch of 100 events does in the 10-subscription delivery
 * scenario this is compared with (and `manyEvents` × 1,000 deliveries are as
 * many as its 3,000 × 10), so the two runs differ in the number of queues only.
 */
const BATCH = 1;
const LANES = 2;

/**
 * 1,000 subscriptions in one worker process: Redis connections the worker
 * opened (CLIENT LIST before and after it started), its RSS, its idle CPU
 * over 10 s with no traffic (/proc/<pid>/stat utime+stime), Redis's CPU in
 * the same window, and end-to-end deliveries/s with every event matching
 * every subscription — compared with the 10-subscription case of the
 * delivery scenario.
 */
export async function manySubscriptions(ctx: RunContext): Promise<ScenarioResult> {
  const { config } = ctx;
  const count = config.manySubscriptions;
  ctx.log(`subscriptions: registering ${count} subscriptions`);
  const registerStarted = now();
  const stack = await startStack({ label: `subs-${count}`, runDir: ctx.runDir, receiver: ctx.receiver, subscriptions: count, logLevel: config.logLevel });
  const registerSeconds = (now() - registerStarted) / 1000;
  try {
    const before = await clientList(stack.client);
    const startedAt = now();
    const worker = await stack.startWorker();
    const serveSeconds = (now() - startedAt) / 1000;
    await sleep(2000);
    const connections = newConnections(before, await clientList(stack.client));
    const rssIdle = worker.rssBytes();
    const redisPid = stack.redis.process?.pid;
    const w0 = cpuSeconds(worker.pid);
    const r0 = cpuSeconds(redisPid);
    await sleep(config.idleSeconds * 1000);
    const idleCpu = (cpuSeconds(worker.pid) - w0) / config.idleSeconds;
    const redisIdleCpu = (cpuSeconds(redisPid) - r0) / config.idleSeconds;
    ctx.log(`  ${connections.total} connections, RSS ${Math.round(rssIdle / 2 ** 20)} MiB, idle CPU ${(idleCpu * 100).toFixed(2)} % of a core`);

    const run = await orderbusDelivery(ctx, stack, { events: config.manyEvents, batch: BATCH, lanes: LANES });
    const rssLoaded = worker.rssBytes();
    ctx.log(`  ${Math.round(run.deliveriesPerSecond)} deliveries/s (${run.delivered}/${run.expected} in ${run.seconds.toFixed(1)} s)`);

    const rows: Row[] = [];
    const ref = ctx.deliveryMaxPerSecond;
    rows.push({
      scenario: `${count} subs, one worker`,
      measure: `deliveries/s (${config.manyEvents} events × ${count} subs)`,
      orderbus: Math.round(run.deliveriesPerSecond),
      ...(ref !== undefined
        ? { baseline: Math.round(ref), baselineLabel: 'orderbus, 10 subs', ratio: run.deliveriesPerSecond / ref, target: '≥ 0.8', pass: run.deliveriesPerSecond / ref >= 0.8 }
        : {}),
    });
    rows.push({
      scenario: `${count} subs, one worker`,
      measure: 'Redis connections opened by the worker',
      orderbus: connections.total,
      ...(ctx.workerConnections10 !== undefined
        ? {
            baseline: ctx.workerConnections10,
            baselineLabel: 'orderbus, 10 subs',
            target: 'constant',
            pass: connections.total <= ctx.workerConnections10,
          }
        : { target: 'constant', pass: connections.total <= 5 }),
    });
    rows.push({
      scenario: `${count} subs, one worker`,
      measure: `idle CPU of the worker over ${config.idleSeconds} s, % of one core`,
      orderbus: round(idleCpu * 100, 2),
      ...(ctx.workerIdleCpu10 !== undefined ? { baseline: round(ctx.workerIdleCpu10 * 100, 2), baselineLabel: 'orderbus, 10 subs' } : {}),
      target: 'near 0 (< 2 %)',
      pass: idleCpu < 0.02,
    });
    rows.push({
      scenario: `${count} subs, one worker`,
      measure: 'idle CPU of redis-server in that window, % of one core',
      orderbus: round(redisIdleCpu * 100, 2),
    });
    rows.push({
      scenario: `${count} subs, one worker`,
      measure: 'worker RSS idle / after load, MiB',
      orderbus: `${Math.round(rssIdle / 2 ** 20)} / ${Math.round(rssLoaded / 2 ** 20)}`,
      ...(ctx.workerRss10 !== undefined ? { baseline: Math.round(ctx.workerRss10 / 2 ** 20), baselineLabel: 'orderbus, 10 subs (after load)' } : {}),
    });
    rows.push({
      scenario: `${count} subs, one worker`,
      measure: 'seconds to register + enable all / worker start to serving all',
      orderbus: `${registerSeconds.toFixed(1)} / ${serveSeconds.toFixed(1)}`,
    });
    return {
      name: 'subscriptions',
      rows,
      data: {
        subscriptions: count,
        connections,
        rssIdleBytes: rssIdle,
        rssLoadedBytes: rssLoaded,
        idleCpuCores: round(idleCpu, 4),
        redisIdleCpuCores: round(redisIdleCpu, 4),
        registerSeconds,
        serveSeconds,
        run: withoutArrivals(run),
      },
    };
  } finally {
    await stack.close();
  }
}
