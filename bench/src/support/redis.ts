import { startRedisServer, type TestRedis } from '@orderbus/testkit';
import { onInterrupt } from './cleanup';

/**
 * A redis-server of the scenario's own (testkit: free port, temp dir, AOF
 * with appendfsync everysec as in production), stopped on Ctrl-C too.
 */
export async function startRedis(): Promise<TestRedis> {
  const redis = await startRedisServer();
  const unregister = onInterrupt(() => redis.stop());
  return {
    get port() {
      return redis.port;
    },
    get url() {
      return redis.url;
    },
    get dir() {
      return redis.dir;
    },
    get process() {
      return redis.process;
    },
    kill: (signal) => redis.kill(signal),
    start: () => redis.start(),
    async stop() {
      unregister();
      await redis.stop();
    },
  };
}
