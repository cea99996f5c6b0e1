import { Command } from 'commander';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '@orderbus/queues';
import { CliError, EXIT_FAILURE } from '../cli-error';
import type { CliIo } from '../io';
import { contextOf } from '../context';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One finding of `orderbus doctor`. */
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  hint?: string;
}

const MIN_REDIS = [6, 2];

async function probe(name: string, url: string): Promise<Check> {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = (await res.text()).slice(0, 200);
    const ms = Date.now() - started;
    if (res.ok) return { name, status: 'ok', detail: `${url} answered ${res.status} in ${ms} ms` };
    return {
      name,
      status: 'fail',
      detail: `${url} answered ${res.status}: ${text}`,
      hint: res.status === 503 ? 'the app runs but cannot reach Redis: check ORDERBUS_REDIS_URL and that Redis is up' : 'is this the orderbus app you meant?',
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    return { name, status: 'fail', detail: `${url} is unreachable (${cause})`, hint: 'is the app running, and is the URL right?' };
  }
}

/** The admin token works: a read of the subscriptions. */
async function adminToken(adminUrl: string, token: string | undefined): Promise<Check> {
  const name = 'admin token';
  if (!token) return { name, status: 'skip', detail: 'no --token / ORDERBUS_ADMIN_TOKEN given' };
  try {
    const res = await fetch(`${adminUrl}/v1/subscriptions?limit=1`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
    await res.text();
    if (res.ok) return { name, status: 'ok', detail: 'accepted by the admin API' };
    if (res.status === 403) return { name, status: 'ok', detail: 'valid, but an owner credential: it reaches its own baseCode only' };
    return { name, status: 'fail', detail: `the admin API answered ${res.status}`, hint: 'use a token of ORDERBUS_ADMIN_TOKENS (name:role:token)' };
  } catch {
    return { name, status: 'skip', detail: 'the admin API is unreachable' };
  }
}

/** The producer key works: an empty batch is refused with 422 when the key is right (nothing is queued), 401 when not. */
async function producerKey(producerUrl: string, key: string | undefined): Promise<Check> {
  const name = 'producer key';
  if (!key) return { name, status: 'skip', detail: 'no --producer-key / ORDERBUS_PRODUCER_KEY given' };
  try {
    const res = await fetch(`${producerUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"events": []}',
      signal: AbortSignal.timeout(5000),
    });
    await res.text();
    if (res.status === 422) return { name, status: 'ok', detail: 'accepted by the producer (checked with an empty batch; nothing was sent)' };
    if (res.status === 401) return { name, status: 'fail', detail: 'the producer answered 401', hint: 'use a key of ORDERBUS_PRODUCER_KEYS (name:key)' };
    return { name, status: 'warn', detail: `the producer answered ${res.status} to an empty batch` };
  } catch {
    return { name, status: 'skip', detail: 'the producer is unreachable' };
  }
}

function connect(url: string): Redis | Cluster {
  const target = parseRedisUrl(url);
  // Fail fast: doctor reports an unreachable Redis, it does not wait for it.
  const fast: RedisOptions = { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true };
  if (target.kind === 'single') return new Redis(target.url, fast);
  const auth: RedisOptions = {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...fast,
      ...auth,
      sentinels: target.sentinels,
      name: target.masterName,
      ...(target.db !== undefined ? { db: target.db } : {}),
      ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
      sentinelRetryStrategy: () => null,
    });
  }
  return new Cluster(target.nodes, { lazyConnect: true, clusterRetryStrategy: () => null, redisOptions: { ...fast, ...auth } });
}

function configOf(reply: unknown): string | undefined {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
}

/** Job hashes hold the event (usually 0.5-2 KB); below the shipped 4096, many take Redis's larger hashtable encoding. */
const COMPACT_HASH_VALUE_BYTES = 4096;

/** Checks one Redis node: version, AOF, fsync policy, eviction policy, compact job hashes. */
async function nodeChecks(node: Redis, label: string): Promise<Check[]> {
  const checks: Check[] = [];
  const info = await node.info('server');
  const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const recent = major > MIN_REDIS[0]! || (major === MIN_REDIS[0] && minor >= MIN_REDIS[1]!);
  checks.push(
    recent
      ? { name: `${label}version`, status: 'ok', detail: `Redis ${version} (6.2 or later)` }
      : { name: `${label}version`, status: 'fail', detail: `Redis ${version}`, hint: 'orderbus needs Redis 6.2 or later (BullMQ, GETDEL, XAUTOCLAIM)' },
  );
  const config = async (key: string): Promise<string | undefined> => configOf(await node.config('GET', key));
  let appendonly: string | undefined;
  let appendfsync: string | undefined;
  let policy: string | undefined;
  let hashValue: string | undefined;
  try {
    // hash-max-ziplist-value: Redis 7 still answers to the Redis 6 name of hash-max-listpack-value.
    [appendonly, appendfsync, policy, hashValue] = await Promise.all([config('appendonly'), config('appendfsync'), config('maxmemory-policy'), config('hash-max-ziplist-value')]);
  } catch (err) {
    checks.push({
      name: `${label}config`,
      status: 'warn',
      detail: `CONFIG GET is not allowed (${(err as Error).message})`,
      hint: "managed Redis often disables CONFIG: check in your provider's settings that persistence (AOF, fsync every second) is on and maxmemory-policy is noeviction",
    });
    return checks;
  }
  checks.push(
    appendonly === 'yes'
      ? { name: `${label}appendonly`, status: 'ok', detail: 'yes: every accepted event is in the AOF' }
      : { name: `${label}appendonly`, status: 'fail', detail: String(appendonly), hint: 'set appendonly yes (infra/redis/redis.conf): without it a Redis restart loses accepted events' },
  );
  checks.push(
    appendfsync === 'everysec'
      ? { name: `${label}appendfsync`, status: 'ok', detail: 'everysec' }
      : appendfsync === 'always'
        ? { name: `${label}appendfsync`, status: 'ok', detail: 'always (safest, slower)' }
        : { name: `${label}appendfsync`, status: 'warn', detail: String(appendfsync), hint: 'set appendfsync everysec: with "no" an OS crash can lose more than a second of accepted events' },
  );
  checks.push(
    policy === 'noeviction'
      ? { name: `${label}maxmemory-policy`, status: 'ok', detail: 'noeviction' }
      : { name: `${label}maxmemory-policy`, status: 'fail', detail: String(policy), hint: 'set maxmemory-policy noeviction: any other policy lets Redis delete queued events when memory is full' },
  );
  checks.push(
    Number(hashValue) >= COMPACT_HASH_VALUE_BYTES
      ? { name: `${label}hash-max-ziplist-value`, status: 'ok', detail: `${hashValue}: job hashes stay compact` }
      : {
          name: `${label}hash-max-ziplist-value`,
          status: 'warn',
          detail: String(hashValue),
          hint: 'set hash-max-ziplist-value 4096 (infra/redis/redis.conf): a job hash holding its event then takes about a third less memory, and AOF rewrites are shorter',
        },
  );
  return checks;
}

async function redisChecks(url: string | undefined): Promise<Check[]> {
  if (!url) {
    return [{ name: 'redis', status: 'skip', detail: 'no --redis-url / ORDERBUS_REDIS_URL given', hint: 'pass the Redis URL the apps use (npm run up: redis://127.0.0.1:6390)' }];
  }
  let client: Redis | Cluster;
  try {
    client = connect(url);
  } catch (err) {
    return [{ name: 'redis', status: 'fail', detail: (err as Error).message }];
  }
  client.on('error', () => undefined);
  const shown = url.replace(/\/\/[^@/]*@/, '//***@');
  try {
    await client.connect();
    await client.ping();
    const checks: Check[] = [{ name: 'redis', status: 'ok', detail: `${shown} answers` }];
    if (client instanceof Cluster) {
      for (const node of client.nodes('master')) checks.push(...(await nodeChecks(node, `redis ${node.options.host}:${node.options.port} `)));
    } else {
      checks.push(...(await nodeChecks(client, 'redis ')));
    }
    return checks;
  } catch (err) {
    return [{ name: 'redis', status: 'fail', detail: `${shown}: ${(err as Error).message}`, hint: 'is Redis running, and are the URL and password right?' }];
  } finally {
    client.disconnect();
  }
}

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export function doctorCommand(io: CliIo): Command {
  return new Command('doctor')
    .description("check a deployment: the producer's and the admin's /readyz, the credentials, and the Redis settings orderbus relies on")
    .option('--redis-url <url>', 'the Redis the apps use (env ORDERBUS_REDIS_URL)')
    .action(async (options: { redisUrl?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const [producer, admin, token, key, redis] = await Promise.all([
        probe('producer', `${ctx.settings.producerUrl}/readyz`),
        probe('admin', `${ctx.settings.adminUrl}/readyz`),
        adminToken(ctx.settings.adminUrl, ctx.settings.token),
        producerKey(ctx.settings.producerUrl, ctx.settings.producerKey),
        redisChecks(options.redisUrl ?? io.env.ORDERBUS_REDIS_URL),
      ]);
      const checks = [producer, admin, token, key, ...redis];
      const failed = checks.filter((c) => c.status === 'fail').length;
      const warned = checks.filter((c) => c.status === 'warn').length;
      const skipped = checks.filter((c) => c.status === 'skip').length;
      const notes = [warned ? `${warned} warning${warned === 1 ? '' : 's'}` : '', skipped ? `${skipped} skipped` : ''].filter(Boolean).join(', ');
      ctx.out.result({ ok: failed === 0, checks }, () => {
        const width = Math.max(...checks.map((c) => c.name.length));
        return [
          ...checks.flatMap((c) => [`${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`, ...(c.hint && c.status !== 'ok' ? [`${' '.repeat(width + 8)}-> ${c.hint}`] : [])]),
          '',
          failed === 0 ? `all checks passed${notes ? ` (${notes})` : ''}` : `${failed} check${failed === 1 ? '' : 's'} failed${notes ? ` (${notes})` : ''}`,
        ];
      });
      // The report is printed; only the exit code is left to say it failed.
      if (failed > 0) throw new CliError('', EXIT_FAILURE);
    });
}
