import { env, parseEnv, z } from '@orderbus/config';
import { deliveryPolicyEnv } from '@orderbus/delivery';

/** Every setting of the worker, read once at start-up. */
const schema = z.object({
  /** Port of /healthz, /readyz and /metrics. */
  ORDERBUS_WORKER_PORT: env.port(8082),
  ORDERBUS_WORKER_HOST: z.string().default('0.0.0.0'),
  ORDERBUS_REDIS_URL: env.redisUrl(),
  ORDERBUS_PREFIX: env.prefix(),
  /**
   * ioredis auto-pipelining of the worker's command connection. Off by default: the bookkeeping scripts
   * are batched already (ScriptBatcher), and holding claims and completions to the next tick cost more
   * than it saved (A/B in docs/benchmarks.md).
   */
  ORDERBUS_REDIS_AUTO_PIPELINING: env.bool(false),
  /** Deliveries in flight per subscription. */
  ORDERBUS_DELIVERY_CONCURRENCY: env.int(10, 1),
  /** Deliveries in flight in one worker process, over all subscriptions. */
  ORDERBUS_MAX_IN_FLIGHT: env.int(200, 1),
  /** A claimed job's lock; renewed every half of it while the delivery runs. */
  ORDERBUS_LOCK_DURATION_MS: env.ms(30_000),
  /** How often jobs of crashed workers (expired locks) are looked for and put back. */
  ORDERBUS_STALLED_INTERVAL_MS: env.ms(30_000),
  ORDERBUS_MAX_STALLED_COUNT: env.int(10, 1),
  /** Fallback check of every queue, in case a wake-up message was missed. */
  ORDERBUS_SWEEP_INTERVAL_MS: env.ms(5000),
  /** On SIGTERM, how long in-flight deliveries may take to finish. */
  ORDERBUS_DRAIN_TIMEOUT_MS: env.ms(15_000),
  /** Workers share the subscriptions: each says it is alive this often... */
  ORDERBUS_WORKER_HEARTBEAT_MS: env.ms(2000),
  /** ...and one silent for this long is taken for dead (its subscriptions move to the others). */
  ORDERBUS_WORKER_TTL_MS: env.ms(10_000),
  /**
   * Longest a delivered attempt waits to be written to the attempt history and health together with the
   * subscription's other attempts (one script call for many instead of one each); a failed attempt is
   * written at once. 0: only attempts that end together share a write. At most 10 s: health acts on what is written.
   */
  ORDERBUS_ATTEMPT_RECORD_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /** Longest wait of an event parked behind an earlier event of its work order before it looks again. */
  ORDERBUS_MAX_PARK_MS: env.ms(60_000),
  /** Alert e-mail: `smtp://user:pass@host:port` (or smtps://); without it alerts are logged, not sent. */
  ORDERBUS_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  ORDERBUS_MAIL_FROM: z.string().default('orderbus <orderbus@localhost>'),
  /** Public URL of the admin app, for links in alert e-mails. */
  ORDERBUS_CONSOLE_URL: z.string().url().optional(),
  /** How often the backlogs of auto-disabled subscriptions are trimmed to their limits. */
  ORDERBUS_BACKLOG_TRIM_INTERVAL_MS: env.ms(60_000),
  /** Callback hosts let through the SSRF guard: host names, IPs, CIDRs (dev and tests: 127.0.0.1,::1,localhost). */
  ORDERBUS_CALLBACK_ALLOWLIST: env.list(),
  /** The delivery policy: retries, health thresholds, backlog, retention. */
  ...deliveryPolicyEnv,
  ORDERBUS_LOG_LEVEL: env.logLevel(),
});

export type WorkerEnv = z.infer<typeof schema>;

export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(schema, source);
}
