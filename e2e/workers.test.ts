import { startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { startAppProcess, type AppProcess } from './support/processes';
import { startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';

const SUBSCRIPTIONS = 30;

describe('several worker processes', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    // The in-process bus gives producer and admin; the delivery workers are separate processes.
    bus = await startBus({ workers: false, env: { ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '10000' } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await bus.close();
    await receiver.close();
  });

  function workerEnv(): Record<string, string> {
    return {
      ORDERBUS_REDIS_URL: bus.redis.url,
      ORDERBUS_PREFIX: bus.prefix,
      ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1,::1,localhost',
      ORDERBUS_WORKER_HEARTBEAT_MS: '300',
      ORDERBUS_WORKER_TTL_MS: '1500',
      ORDERBUS_LOCK_DURATION_MS: '2000',
      ORDERBUS_STALLED_INTERVAL_MS: '2000',
      ORDERBUS_SWEEP_INTERVAL_MS: '500',
    };
  }

  it('share the subscriptions, and take over those of a worker killed with -9 within the stalled interval', async () => {
    const baseCodes = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `W${i}`);
    for (const baseCode of baseCodes) await bus.subscribe(baseCode, receiver.url);
    for (let i = 0; i < 3; i++) workers.push(await startAppProcess('worker', workerEnv()));
    await waitUntil(async () => (await bus.redisClient().zcard(`${bus.prefix}:workers`)) === 3, { description: '3 live workers' });

    const sendWave = async (wave: string, count: number) => {
      const events = Array.from({ length: count }, (_, i) => workOrderEvent({ eventId: `${wave}-${i}`, serviceOrderId: `${wave}-order-${i % 40}` }));
      for (let i = 0; i < events.length; i += 100) expect((await bus.send({ events: events.slice(i, i + 100) })).status).toBe(202);
      return events.map((e) => e.eventId as string);
    };
    const deliveredIds = (prefix: string) => new Set(receiver.requests.filter((r) => r.headers['x-orderbus-event-id']?.startsWith(prefix)).map((r) => `${r.headers['x-orderbus-base-code']}|${r.headers['x-orderbus-event-id']}`));

    const first = await sendWave('w1', 100);
    await waitUntil(() => deliveredIds('w1-').size === first.length * SUBSCRIPTIONS, { timeoutMs: 60_000, description: 'wave 1 delivered to every subscription' });

    // Each worker delivered a share: the requests carry no worker id, so ask Redis who owns what.
    const owners = await bus.workerOwnership(baseCodes);
    const perWorker = [...owners.values()].reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map<string, number>());
    expect(perWorker.size).toBe(3);
    for (const count of perWorker.values()) expect(count).toBeGreaterThanOrEqual(4);

    // Kill one worker mid-load: its subscriptions move to the other two.
    const second = sendWave('w2', 300);
    await waitUntil(() => deliveredIds('w2-').size > 500, { timeoutMs: 60_000, description: 'wave 2 under way' });
    const victim = workers[0]!;
    const ownersBefore = await bus.workerOwnership(baseCodes);
    const victimId = [...new Set(ownersBefore.values())].find((w) => w.startsWith(`${victim.child.pid}-`))!;
    const victimSubscriptions = new Set(baseCodes.filter((b) => ownersBefore.get(b) === victimId));
    expect(victimSubscriptions.size).toBeGreaterThan(0);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const ids = await second;
    await waitUntil(() => deliveredIds('w2-').size === ids.length * SUBSCRIPTIONS, { timeoutMs: 90_000, description: 'wave 2 delivered to every subscription' });
    const tookMs = Date.now() - killedAt;
    const resumedAt = Math.min(
      ...receiver.requests.filter((r) => r.receivedAt > killedAt && victimSubscriptions.has(r.headers['x-orderbus-base-code'] ?? '')).map((r) => r.receivedAt),
    );
    const takeoverMs = resumedAt - killedAt;
    process.stdout.write(`3 workers, one killed: its ${victimSubscriptions.size} subscriptions resumed ${takeoverMs} ms after the kill; all delivered after ${tookMs} ms\n`);
    // Taken for dead after ORDERBUS_WORKER_TTL_MS (1.5 s), handed over after two heartbeats, stalled jobs back after the stalled interval (2 s).
    expect(takeoverMs).toBeLessThan(10_000);
    const after = await bus.workerOwnership(baseCodes);
    expect(new Set(after.values()).size).toBe(2);

    // Per work order, across three workers and the kill: events arrived in acceptance order (event i of a
    // wave belongs to order i mod 40 and was accepted after i - 40); a repeat only right after itself.
    const outOfOrder: string[] = [];
    const lines = new Map<string, number[]>();
    for (const r of receiver.requests) {
      const match = /^(w[12])-(\d+)$/.exec(r.headers['x-orderbus-event-id'] ?? '');
      if (!match) continue;
      const key = `${r.headers['x-orderbus-base-code']}|${match[1]}|${Number(match[2]) % 40}`;
      lines.set(key, [...(lines.get(key) ?? []), Number(match[2])]);
    }
    for (const [key, seen] of lines) {
      const distinct = seen.filter((n, i) => n !== seen[i - 1]);
      if (distinct.some((n, i) => i > 0 && n <= distinct[i - 1]!)) outOfOrder.push(`${key}: ${distinct.join(',')}`);
    }
    expect(lines.size).toBe(SUBSCRIPTIONS * 40 * 2);
    expect(outOfOrder).toEqual([]);
  }, 240_000);
});
