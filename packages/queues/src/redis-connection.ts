import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A connection to single-node/Sentinel Redis (`Redis`) or to a Redis Cluster (`Cluster`). */
export type RedisClient = Redis | Cluster;

/**
 * How a process uses Redis decides how its connection behaves:
 * - `ingest` (producer, admin API): fail fast. No offline queue and a command
 *   timeout, so a request gets a 503 at once instead of hanging while Redis is
 *   down or stalled.
 * - `worker`: wait it out. BullMQ workers need `maxRetriesPerRequest: null`
 *   and keep retrying until Redis is back.
 */
export type ConnectionRole = 'ingest' | 'worker';

export interface ConnectionOptions {
  /** Milliseconds an ingest command may take before it fails (default 2000). */
  commandTimeoutMs?: number;
  connectionName?: string;
  /**
   * Sends the commands issued in one tick as one pipeline (ioredis
   * `enableAutoPipelining`): many concurrent deliveries then cost Redis one
   * read and one write per batch instead of one per command.
   */
  autoPipelining?: boolean;
}

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Where `ORDERBUS_REDIS_URL` points, parsed. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNodeAddress[];
      masterName: string;
      username?: string;
      password?: string;
      sentinelPassword?: string;
      db?: number;
      tls: boolean;
    }
  | { kind: 'cluster'; nodes: RedisNodeAddress[]; username?: string; password?: string; tls: boolean };

const MULTI_HOST_URL = /^(redis-sentinel|redis-cluster):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/;

/**
 * Parses a Redis URL:
 * - `redis://[[user]:password@]host:port[/db]`, `rediss://...` (TLS): one node;
 * - `redis-sentinel://[[user]:password@]host:port,host:port/<masterName>[?db=N&sentinelPassword=...&tls=true]`:
 *   the master named `<masterName>` as the Sentinels report it (password is the master's);
 * - `redis-cluster://[[user]:password@]host:port,host:port[?tls=true]`: a Redis Cluster, from
 *   any of its nodes.
 * Throws on anything else.
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\//.test(url)) return { kind: 'single', url };
  const match = MULTI_HOST_URL.exec(url);
  if (!match) throw new Error(`not a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL: ${redact(url)}`);
  const [, scheme, user, pass, hostList, path, query] = match;
  const params = new URLSearchParams(query ?? '');
  const nodes = hostList!.split(',').map((h) => parseHostPort(h.trim(), scheme === 'redis-sentinel' ? 26379 : 6379));
  const credentials = {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
  };
  const tls = ['1', 'true', 'yes'].includes(params.get('tls') ?? '');
  if (scheme === 'redis-cluster') {
    if (path) throw new Error('a redis-cluster:// URL has no path: a cluster has only database 0');
    return { kind: 'cluster', nodes, ...credentials, tls };
  }
  const masterName = decodeURIComponent(path ?? '');
  if (!masterName) throw new Error('a redis-sentinel:// URL names the master: redis-sentinel://host:port,host:port/<masterName>');
  const db = params.get('db');
  if (db !== null && !/^\d+$/.test(db)) throw new Error(`db must be a number, got "${db}"`);
  const sentinelPassword = params.get('sentinelPassword');
  return {
    kind: 'sentinel',
    sentinels: nodes,
    masterName,
    ...credentials,
    ...(sentinelPassword ? { sentinelPassword } : {}),
    ...(db !== null ? { db: Number(db) } : {}),
    tls,
  };
}

function parseHostPort(text: string, defaultPort: number): RedisNodeAddress {
  // [::1]:7000, host:7000 or host
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(text);
  if (!match) throw new Error(`not a host:port: "${text}"`);
  const port = match[3] ? Number(match[3]) : defaultPort;
  if (port < 1 || port > 65535) throw new Error(`not a port: "${text}"`);
  return { host: (match[1] ?? match[2])!, port };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * Opens a connection for `role` to the Redis `url` names (see parseRedisUrl):
 * a `Redis` for a single node or a Sentinel-managed master, a `Cluster` for a
 * Redis Cluster. Every node of a cluster gets the role's settings.
 */
export function createRedisConnection(url: string, role: ConnectionRole, options: ConnectionOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  const byRole: RedisOptions =
    role === 'ingest'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 2000 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  const common: RedisOptions = {
    connectionName: options.connectionName,
    ...(options.autoPipelining ? { enableAutoPipelining: true } : {}),
    // Reconnect forever, backing off to at most 2 s between tries.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  };
  if (target.kind === 'single') return new Redis(target.url, { ...common, ...byRole });

  const auth: RedisOptions = {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
  if (target.kind === 'sentinel') {
    return new Redis({
      ...common,
      ...byRole,
      ...auth,
      sentinels: target.sentinels,
      name: target.masterName,
      ...(target.db !== undefined ? { db: target.db } : {}),
      ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
      ...(target.tls ? { enableTLSForSentinelMode: true } : {}),
    });
  }

  // The cluster client reconnects its nodes itself (clusterRetryStrategy); the
  // offline queue is a cluster-level setting: off for ingest, so a request
  // fails at once while the cluster is unreachable or has no view of its slots.
  const { enableOfflineQueue, ...nodeOptions } = byRole;
  const clusterOptions: ClusterOptions = {
    redisOptions: { connectionName: options.connectionName, ...nodeOptions, ...auth },
    ...(options.autoPipelining ? { enableAutoPipelining: true } : {}),
    enableOfflineQueue,
    clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
    // While a failover moves slots, retry the command a few times shortly after.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    ...(target.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
  return new Cluster(target.nodes, clusterOptions);
}

/**
 * A second connection like `client` (same target, role and settings) under
 * another connection name, e.g. for pub/sub, which takes over a connection.
 */
export function duplicateConnection(client: RedisClient, connectionName: string): RedisClient {
  if (isCluster(client)) {
    return client.duplicate([], { redisOptions: { ...client.options.redisOptions, connectionName } });
  }
  return client.duplicate({ connectionName });
}

/** Whether `client` talks to a Redis Cluster (where multi-key commands must stay within one slot). */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}

/** Resolves once the connection is ready (or rejects after `timeoutMs`). */
export async function waitForReady(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
