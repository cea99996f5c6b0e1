import { startRedis } from '../support/redis';
import { redisBenchmark } from '../baselines/redis-benchmark';
import type { RunContext, ScenarioResult } from '../results';

/** Baseline (c): what this machine's Redis (AOF everysec) does with trivial commands, pipelined and not. */
export async function redisCeiling(ctx: RunContext): Promise<ScenarioResult> {
  const redis = await startRedis();
  try {
    const rows = await redisBenchmark(redis.port, ctx.config.redisBenchmarkRequests, [1, 16]);
    return {
      name: 'redis',
      data: { rows },
      rows: rows.map((r) => ({
        scenario: 'redis ceiling (c)',
        measure: `${r.test} ${r.pipeline === 1 ? 'not pipelined' : `pipelined ×${r.pipeline}`}, 50 clients`,
        orderbus: '',
        baseline: Math.round(r.rps),
        baselineLabel: 'redis-benchmark',
        unit: 'ops/s',
      })),
    };
  } finally {
    await redis.stop();
  }
}
