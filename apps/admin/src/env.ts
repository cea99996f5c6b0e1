import { env, parseEnv, z } from '@orderbus/config';
import { parseTokenList } from '@orderbus/http';
import { deliveryPolicyEnv } from '@orderbus/delivery';

const ROLES = ['viewer', 'operator'];

/** Every setting of the admin app, read once at start-up. */
const schema = z.object({
  ORDERBUS_ADMIN_PORT: env.port(8081),
  ORDERBUS_ADMIN_HOST: z.string().default('0.0.0.0'),
  ORDERBUS_REDIS_URL: env.redisUrl(),
  ORDERBUS_PREFIX: env.prefix(),
  /** `name:role:token,...` with role viewer or operator. Required: there is no default token. */
  ORDERBUS_ADMIN_TOKENS: z
    .string({ error: 'is required: a comma-separated list of name:role:token (role viewer or operator)' })
    .min(1)
    .refine((v) => {
      try {
        const entries = parseTokenList(v);
        return entries.length > 0 && entries.every((e) => ROLES.includes(e.role));
      } catch {
        return false;
      }
    }, 'must be a comma-separated list of name:role:token with role viewer or operator'),
  ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: env.ms(2000),
  /** Callback hosts let through the SSRF guard: host names, IPs, CIDRs (dev and tests: 127.0.0.1,::1,localhost). */
  ORDERBUS_CALLBACK_ALLOWLIST: env.list(),
  /** Public URL of this admin app, for links in alert e-mails. */
  ORDERBUS_CONSOLE_URL: z.string().url().optional(),
  /** The delivery policy (the connect handshake uses its timeouts; health its thresholds). */
  ...deliveryPolicyEnv,
  ORDERBUS_LOG_LEVEL: env.logLevel(),
  /** The built web console served under /console/ (default: the admin package's dist/web). */
  ORDERBUS_CONSOLE_DIR: z.string().min(1).optional(),
  /** How many entries the audit log keeps (the oldest are trimmed). */
  ORDERBUS_AUDIT_MAX_ENTRIES: env.int(10_000, 100),
});

export type AdminEnv = z.infer<typeof schema>;

export function readAdminEnv(source: NodeJS.ProcessEnv = process.env): AdminEnv {
  return parseEnv(schema, source);
}
