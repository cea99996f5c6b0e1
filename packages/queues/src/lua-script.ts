import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection';

/**
 * A Lua script sent by its SHA1 (EVALSHA), as BullMQ sends its own: the
 * source crosses the wire and is hashed by Redis only on the first call to a
 * node (or after SCRIPT FLUSH / a restart), when the NOSCRIPT reply makes it
 * fall back to EVAL, which also caches it. On the delivery path, where a few
 * small scripts run per delivery, EVAL with the full source every time cost
 * both the worker and Redis more than the scripts' own work.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script on the node that holds `keys` (all in one slot on a cluster). */
  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[] = []): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
