import { join } from 'node:path';

/**
 * The shipped Redis settings (infra/redis/redis.conf): every redis-server a
 * test or the bench starts reads this file first, then its own port, folder
 * and test-specific arguments, so tests run on the settings production uses.
 */
export const REDIS_CONF = join(__dirname, '..', '..', '..', 'infra', 'redis', 'redis.conf');
