import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shipped Redis settings (infra/redis/redis.conf): every redis-server a
 * test or the bench starts reads this file first, then its own port, folder
 * and test-specific arguments, so tests run on the settings production uses.
 */
export const REDIS_CONF = join(__dirname, '..', '..', '..', 'infra', 'redis', 'redis.conf');

/**
 * Writes a config file into `dir` that includes REDIS_CONF, for redis-server
 * to start with: a CONFIG REWRITE then edits that copy, never the repository's file.
 */
export function redisConfIn(dir: string): string {
  const file = join(dir, 'redis.conf');
  writeFileSync(file, `include ${REDIS_CONF}\n`);
  return file;
}
