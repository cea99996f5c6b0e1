import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { subscriptionQueueName } from '@orderbus/queues';
import { SUCCESS_REPLY, freePort, sleep, startReceiver, startRedisCluster, waitUntil, type TestReceiver, type TestRedis, type TestRedisCluster } from '@orderbus/testkit';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';

/**
 * The bus on a real local 3-master Redis Cluster: producer and admin
 * in-process, delivery workers as separate processes (the built
 * apps/worker/dist/main.js, as `npm run up` and the containers run it).
 */

const WORKER_MAIN = join(__dirname, '..', 'apps', 'worker', 'dist', 'main.js');
const SUBSCRIPTIONS = 50;

/** The scope of subscription i: five shapes, so events fan out to different subsets. */
function scopeOf(i: number): { dataAreas: '*' | string[]; changeIds: '*' | number[] } {
  switch (i % 5) {
    case 0:
      return { dataAreas: '*', changeIds: '*' };
    case 1:
      return { dataAreas: ['fwwt'], changeIds: '*' };
    case 2:
      return { dataAreas: ['sbwx'], changeIds: '*' };
    case 3:
      return { dataAreas: '*', changeIds: [1, 2] };
    default:
      return { dataAreas: ['fwwt'], changeIds: [4] };
  }
}

function inScope(scope: ReturnType<typeof scopeOf>, event: { dataArea: string; changeId: string }): boolean {
  return (scope.dataAreas === '*' || scope.dataAreas.includes(event.dataArea)) && (scope.changeIds === '*' || scope.changeIds.includes(Number(event.changeId)));
}

/** A delivery worker process with its own probe port; its output is kept for failure messages. */
interface WorkerProcess {
  child: ChildProcess;
  port: number;
  output(): string;
}

async function startWorkerProcess(bus: TestBus, url: string): Promise<WorkerProcess> {
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ORDERBUS_')));
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: {
      ...inherited,
      ORDERBUS_REDIS_URL: url,
      ORDERBUS_PREFIX: bus.prefix,
      ORDERBUS_WORKER_PORT: String(port),
      ORDERBUS_WORKER_HOST: '127.0.0.1',
      // Long enough for a lock to outlive event-loop stalls of a busy machine; a dead worker's jobs return within ~20 s.
      ORDERBUS_LOCK_DURATION_MS: '10000',
      ORDERBUS_STALLED_INTERVAL_MS: '4000',
      ORDERBUS_MAX_PARK_MS: '5000',
      ORDERBUS_SWEEP_INTERVAL_MS: '1000',
      ORDERBUS_DRAIN_TIMEOUT_MS: '2000',
      // Generous: this machine may be busy; a timed-out attempt is retried soon, never auto-disabled here.
      ORDERBUS_DELIVERY_TIMEOUT_MS: '30000',
      ORDERBUS_RETRY_SCHEDULE: '0,1s,2s,2s,2s,2s,2s,2s,2s',
      ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '1000000',
      ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '86400000',
      ORDERBUS_MAX_IN_FLIGHT: '100',
      // A worker killed -9 hands its subscriptions over once its heartbeat is this old.
      ORDERBUS_WORKER_HEARTBEAT_MS: '1000',
      ORDERBUS_WORKER_TTL_MS: '4000',
      ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1,::1,localhost',
      ORDERBUS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const worker = { child, port, output: () => lines.join('\n') };
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}:\n${worker.output()}`);
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 20_000, intervalMs: 100, description: 'the worker process to be ready' },
  );
  return worker;
}

async function killWorker(worker: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => worker.child.once('exit', () => resolve()));
  worker.child.kill(signal);
  await exited;
}

/** "baseCode eventId" of every delivery the receiver got, counted. */
function deliveries(receiver: TestReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of receiver.requests) {
    // Only deliveries carry an event id (the lifecycle's callback probe does not).
    if (!r.headers['x-orderbus-event-id']) continue;
    const key = `${r.headers['x-orderbus-base-code']} ${r.headers['x-orderbus-event-id']}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function hasAll(got: Map<string, number>, keys: readonly string[]): boolean {
  return keys.every((key) => got.has(key));
}

describe('orderbus on a 3-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let bus: TestBus;
  let receiver: TestReceiver;
  const workers: WorkerProcess[] = [];
  const baseCodes = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `CL${String(i).padStart(2, '0')}`);
  const scopes = new Map(baseCodes.map((b, i) => [b, scopeOf(i)]));
  /** "baseCode eventId" of every delivery an accepted event is owed. */
  const owed = new Set<string>();
  /** The events of the first load, resent by the retry test. */
  let firstLoad: Array<Record<string, any>> = [];

  const expectOwed = (event: { eventId: string; dataArea: string; changeId: string }): number => {
    let count = 0;
    for (const [baseCode, scope] of scopes) {
      if (!inScope(scope, event)) continue;
      owed.add(`${baseCode} ${event.eventId}`);
      count += 1;
    }
    return count;
  };

  /**
   * Sends events in batches as a producer should: a 503 (Redis too slow on a
   * busy machine) is retried with the same eventIds. Checks each receipt and
   * records what is owed.
   */
  const sendAll = async (events: Array<Record<string, any>>, batchSize = 20): Promise<void> => {
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize);
      let res = await bus.send({ events: batch });
      for (let retry = 0; res.status === 503 && retry < 5; retry++) res = await bus.send({ events: batch });
      expect(res.status).toBe(202);
      expect(res.body.events.map((r: { eventId: string; queuedFor: number }) => [r.eventId, r.queuedFor])).toEqual(
        batch.map((e) => [e.eventId, expectOwed(e as never)]),
      );
    }
  };

  /** Waits until every key of `expected` was delivered; a timeout says how far it got and what the worker logged. */
  const waitForDeliveries = async (expected: readonly string[], timeoutMs: number): Promise<void> => {
    try {
      await waitUntil(() => hasAll(deliveries(receiver), expected), { timeoutMs, intervalMs: 250, description: `${expected.length} deliveries` });
    } catch (err) {
      const got = deliveries(receiver);
      const missing = expected.filter((key) => !got.has(key));
      throw new Error(`${(err as Error).message}: ${missing.length} missing (e.g. ${missing.slice(0, 5).join(', ')}); the worker logged:\n${workers.at(-1)?.output()}`);
    }
  };

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: build first (npm test does; or npm run build)`);
    cluster = await startRedisCluster({ masters: 3 });
    // startBus takes a TestRedis; only its url is used when the Redis is not its own.
    const clusterAsRedis: TestRedis = {
      port: cluster.ports[0]!,
      url: cluster.url,
      dir: cluster.dir,
      process: undefined,
      kill: async () => undefined,
      start: async () => undefined,
      stop: () => cluster.stop(),
    };
    bus = await startBus({ redis: clusterAsRedis, workers: false, env: { ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000' } });
    receiver = await startReceiver();
    for (const baseCode of baseCodes) await bus.subscribe(baseCode, receiver.url, scopes.get(baseCode));
    workers.push(await startWorkerProcess(bus, cluster.url));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => killWorker(w, 'SIGTERM')));
    await bus?.close();
    await receiver?.close();
    await cluster?.stop();
  }, 60_000);

  it('keeps the registry on the cluster: every subscription is listed and enabled', async () => {
    const listed = await bus.admin('GET', '/v1/subscriptions?limit=100');
    expect(listed.status).toBe(200);
    const items = listed.body.items as Array<{ baseCode: string; status: string }>;
    expect(items.map((s) => s.baseCode).sort()).toEqual(baseCodes);
    expect(items.every((s) => s.status === 'enabled')).toBe(true);
    // Filtering by health reads every subscription's health summary, each in its own queue's slot.
    const byHealth = await bus.admin('GET', '/v1/subscriptions?health=unknown&limit=100');
    expect(byHealth.status).toBe(200);
    expect((byHealth.body.items as Array<{ baseCode: string }>).map((s) => s.baseCode).sort()).toEqual(baseCodes);
  });

  it('delivers every event to every matching subscription exactly once, with the queues spread over all 3 masters', async () => {
    const events = Array.from({ length: 120 }, (_, i) =>
      workOrderEvent({ changeId: [1, 2, 4][i % 3]!, dataArea: i % 2 === 0 ? 'fwwt' : 'sbwx', eventId: `cl-${i}`, serviceOrderId: `so-cl-${i}` }),
    );
    firstLoad = events;
    await sendAll(events);
    const expected = [...owed];
    await waitForDeliveries(expected, 90_000);
    await sleep(500);
    const got = deliveries(receiver);
    expect([...got.keys()].sort()).toEqual(expected.sort());
    expect([...got.values()].every((n) => n === 1)).toBe(true);

    // Where the queues live: the master serving each queue's slot (CLUSTER KEYSLOT + CLUSTER SLOTS)
    // holds its keys — a direct, non-cluster connection to it finds the delivered job there.
    const owners = await Promise.all(baseCodes.map((b) => cluster.portOf(`${bus.prefix}:${subscriptionQueueName(b)}:meta`)));
    expect(new Set(owners)).toEqual(new Set(cluster.ports));
    const direct = new Map(cluster.ports.map((port) => [port, new Redis({ port, host: '127.0.0.1' })]));
    try {
      const jobKeys = baseCodes.map((b) => `${bus.prefix}:${subscriptionQueueName(b)}:e-cl-0`);
      const found = await Promise.all(jobKeys.map((key, i) => (inScope(scopes.get(baseCodes[i]!)!, events[0] as never) ? direct.get(owners[i]!)!.exists(key) : 1)));
      expect(found.every((n) => n === 1)).toBe(true);
      const masters = (await direct.get(cluster.ports[0]!)!.cluster('NODES')) as string;
      expect(masters.split('\n').filter((line) => line.includes('master')).length).toBe(3);
    } finally {
      for (const client of direct.values()) client.disconnect();
    }
  }, 120_000);

  it('answers a retried ingest with duplicate: true and queues nothing', async () => {
    const events = firstLoad.slice(0, 20);
    expect(events).toHaveLength(20);
    const before = await Promise.all(baseCodes.map((b) => bus.counts(b)));
    const received = receiver.requests.length;

    const res = await bus.send({ events });
    expect(res.status).toBe(202);
    expect(res.body.events.every((r: { duplicate: boolean }) => r.duplicate)).toBe(true);
    expect(res.body.events.map((r: { queuedFor: number }) => r.queuedFor)).toEqual(
      events.map((e) => baseCodes.filter((b) => inScope(scopes.get(b)!, e as never)).length),
    );
    // One conflicting event among new ones spread over many idempotency buckets rejects them all.
    const fresh = Array.from({ length: 10 }, (_, i) => workOrderEvent({ eventId: `cl-fresh-${i}` }));
    const changed = { ...events[0]!, data: { ...events[0]!.data, remark: 'changed' } };
    const conflict = await bus.send({ events: [...fresh, changed] });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.conflicts).toEqual([{ index: 10, eventId: events[0]!.eventId }]);

    await sleep(1000);
    expect(await Promise.all(baseCodes.map((b) => bus.counts(b)))).toEqual(before);
    expect(receiver.requests.length).toBe(received);
  }, 60_000);

  it('loses nothing acknowledged when a worker process is killed -9 mid-load and another takes over', async () => {
    receiver.behave({ status: 200, body: SUCCESS_REPLY, delayMs: 20 });
    const startedWith = receiver.requests.length;
    const first = Array.from({ length: 60 }, (_, i) => workOrderEvent({ changeId: [1, 2, 4][i % 3]!, dataArea: i % 2 ? 'fwwt' : 'sbwx', eventId: `kill-a-${i}`, serviceOrderId: `so-kill-a-${i}` }));
    await sendAll(first);
    await waitUntil(() => receiver.requests.length - startedWith >= 200, { timeoutMs: 60_000, description: 'the load to be under way' });

    await killWorker(workers[0]!, 'SIGKILL');
    const atKill = receiver.requests.length - startedWith;
    const firstOwed = [...owed].filter((key) => key.includes(' kill-a-')).length;
    // Accepted while no worker runs: queued, delivered once one is back.
    const second = Array.from({ length: 40 }, (_, i) => workOrderEvent({ changeId: 1, dataArea: 'fwwt', eventId: `kill-b-${i}`, serviceOrderId: `so-kill-b-${i}` }));
    await sendAll(second);
    workers.push(await startWorkerProcess(bus, cluster.url));

    const expected = [...owed];
    await waitForDeliveries(expected, 100_000);
    // At least once (checked above); deliveries in flight at the kill may have come twice.
    const got = deliveries(receiver);
    expect([...got.keys()].filter((key) => !owed.has(key))).toEqual([]);
    // The kill came mid-load: most of the first load was still queued or in flight.
    expect(atKill).toBeLessThan(firstOwed);
  }, 180_000);
});
