import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './free-port';
import { redisConfIn } from './redis-conf';
import { waitUntil } from './wait-until';

export interface RedisClusterOptions {
  /** Master nodes, each with a share of the 16384 slots (default 3; at least 3). */
  masters?: number;
  /** Extra `--key value` arguments for every node. */
  args?: string[];
}

/** A Redis Cluster of the test's own: masters on free loopback ports, data in a temp folder. */
export interface TestRedisCluster {
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...`, as ORDERBUS_REDIS_URL takes it. */
  readonly url: string;
  /** The client port of every master. */
  readonly ports: readonly number[];
  readonly dir: string;
  /** kill -9 of the node on `port` (its slots are down until it is started again). */
  kill(port: number): Promise<void>;
  /** Starts the node on `port` again from its AOF and cluster config; waits for `cluster_state:ok`. */
  start(port: number): Promise<void>;
  /** The port of the master that serves `key`'s slot (CLUSTER KEYSLOT + CLUSTER SLOTS). */
  portOf(key: string): Promise<number>;
  /** Stops every node and removes the data. */
  stop(): Promise<void>;
}

interface ClusterNode {
  port: number;
  busPort: number;
  dir: string;
  child: ChildProcess | undefined;
}

/**
 * Starts `masters` redis-server processes with `--cluster-enabled yes` and
 * the shipped settings (infra/redis/redis.conf: AOF, `appendfsync everysec`...), joins
 * them with `redis-cli --cluster create` (no replicas) and waits until every
 * node reports `cluster_state:ok`.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const dir = mkdtempSync(join(tmpdir(), 'orderbus-cluster-'));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    // The cluster bus port defaults to port + 10000, which may not exist or be taken: pick one.
    let busPort = await freePort();
    while (busPort === port) busPort = await freePort();
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir);
    nodes.push({ port, busPort, dir: nodeDir, child: undefined });
  }

  const nodeOf = (port: number): ClusterNode => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no cluster node on port ${port}`);
    return node;
  };

  async function startNode(node: ClusterNode): Promise<void> {
    const args = [
      redisConfIn(node.dir),
      '--port', String(node.port),
      '--cluster-port', String(node.busPort),
      '--bind', '127.0.0.1',
      '--dir', node.dir,
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', '3000',
      '--protected-mode', 'no',
      '--logfile', join(node.dir, 'redis.log'),
      ...(options.args ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    node.child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await waitUntil(
      async () => {
        if (exited) throw new Error(`redis-server exited; see ${join(node.dir, 'redis.log')}`);
        return (await command(node.port, ['PING'])) === 'PONG';
      },
      { timeoutMs: 15_000, intervalMs: 25, description: `cluster node on port ${node.port}` },
    );
  }

  async function killNode(node: ClusterNode): Promise<void> {
    const child = node.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    node.child = undefined;
  }

  async function waitForClusterOk(): Promise<void> {
    await waitUntil(
      async () => {
        for (const node of nodes) {
          const info = await command(node.port, ['CLUSTER', 'INFO']);
          if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'cluster_state:ok on every node' },
    );
  }

  try {
    await Promise.all(nodes.map((node) => startNode(node)));
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 60_000 },
    ).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`redis-cli --cluster create failed: ${err.stderr || err.stdout || err.message}`);
    });
    await waitForClusterOk();
  } catch (err) {
    await Promise.all(nodes.map((node) => killNode(node)));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `redis-cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    ports: nodes.map((n) => n.port),
    dir,
    kill: (port) => killNode(nodeOf(port)),
    async start(port) {
      await startNode(nodeOf(port));
      await waitForClusterOk();
    },
    async portOf(key) {
      for (const node of nodes) {
        const slot = await command(node.port, ['CLUSTER', 'KEYSLOT', key]);
        const ranges = (await command(node.port, ['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number, ...unknown[]]]> | undefined;
        if (typeof slot !== 'number' || !ranges) continue;
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (range) return Number(range[2][1]);
      }
      throw new Error(`no live node knows the slot of ${key}`);
    },
    async stop() {
      await Promise.all(nodes.map((node) => killNode(node)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One command to one node, on a short-lived connection; undefined when the node does not answer. */
async function command(port: number, args: [string, ...string[]]): Promise<unknown> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return await probe.call(...args);
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}
