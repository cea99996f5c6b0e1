import { z } from 'zod';

/**
 * Reusable field parsers for environment variables (all arrive as strings).
 */
export const env = {
  /** A TCP port, 0 picks a free one. */
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** A positive integer with a default. */
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  /** Milliseconds, given as an integer. */
  ms: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  /** "true"/"false"/"1"/"0"/"yes"/"no". */
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /**
   * A Redis URL: `redis://` or `rediss://` (one node), `redis-sentinel://host:port,host:port/<masterName>`
   * (Sentinel) or `redis-cluster://host:port,host:port` (Redis Cluster).
   */
  redisUrl: () =>
    z
      .string()
      .default('redis://127.0.0.1:6379')
      .refine(
        (v) => /^rediss?:\/\/./.test(v) || /^redis-sentinel:\/\/[^/?#]+\/[^/?#]+/.test(v) || /^redis-cluster:\/\/[^/?#]+(\?.*)?$/.test(v),
        'must be a redis://, rediss://, redis-sentinel://host:port,.../<masterName> or redis-cluster://host:port,... URL',
      ),
  /** A comma-separated list of non-empty strings. */
  list: (fallback = '') =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      ),
  logLevel: () => z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  /** Key prefix of every Redis key orderbus writes; lets several buses (or tests) share one Redis. */
  prefix: () =>
    z
      .string()
      .default('ob')
      .refine((v) => /^[A-Za-z0-9_-]{1,32}$/.test(v), 'must be 1-32 letters, digits, _ or -'),
};
