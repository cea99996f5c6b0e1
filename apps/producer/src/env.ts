import { env, parseEnv, z } from '@orderbus/config';
import { parseTokenList } from '@orderbus/http';

/** Every setting of the producer, read once at start-up. */
const schema = z.object({
  ORDERBUS_PRODUCER_PORT: env.port(8080),
  ORDERBUS_PRODUCER_HOST: z.string().default('0.0.0.0'),
  ORDERBUS_REDIS_URL: env.redisUrl(),
  ORDERBUS_PREFIX: env.prefix(),
  /** `name:key,name:key` — who may send events. Required: there is no default key. */
  ORDERBUS_PRODUCER_KEYS: z
    .string({ error: 'is required: a comma-separated list of name:key pairs' })
    .min(1)
    .refine((v) => {
      try {
        return parseTokenList(v, 'producer').length > 0;
      } catch {
        return false;
      }
    }, 'must be a comma-separated list of name:key pairs'),
  ORDERBUS_VALIDATION_MODE: z.enum(['strict', 'compat']).default('strict'),
  ORDERBUS_ENABLE_SUPERVISE: env.bool(false),
  ORDERBUS_MAX_BATCH: env.int(500, 1),
  ORDERBUS_MAX_BODY_BYTES: env.int(5 * 1024 * 1024, 1024),
  ORDERBUS_IDEMPOTENCY_TTL_SECONDS: env.int(86_400, 60),
  /** Delivered jobs are kept this long (ms) and at most this many per subscription (they are set on each job at ingest). */
  ORDERBUS_COMPLETED_JOBS_TTL_MS: env.ms(3_600_000),
  ORDERBUS_COMPLETED_JOBS_MAX: env.int(10_000, 1),
  /** Dead letters kept per subscription, the newest; 0 (the default) keeps all until replayed or discarded. */
  ORDERBUS_DEAD_LETTERS_MAX: env.int(0, 0),
  ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: env.ms(2000),
  /** Events per second each producer key may send, per producer process; 0 (the default) means no limit. */
  ORDERBUS_PRODUCER_RATE_LIMIT: env.int(0, 0),
  /** Events a producer key may send at once after a quiet period; 0 means one second's worth. */
  ORDERBUS_PRODUCER_RATE_BURST: env.int(0, 0),
  ORDERBUS_LOG_LEVEL: env.logLevel(),
});

export type ProducerEnv = z.infer<typeof schema>;

export function readProducerEnv(source: NodeJS.ProcessEnv = process.env): ProducerEnv {
  return parseEnv(schema, source);
}
