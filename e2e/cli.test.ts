import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { OPERATOR_TOKEN, PRODUCER_KEY, VIEWER_TOKEN, startBus, type TestBus } from './support/bus';
import { workOrderEvent } from './support/events';
import { waitForDeadLetter } from './support/delivery';
import { orderbus, runOrderbusBinary, spawnOrderbus, stopOrderbusProcesses } from './support/cli';

// Many tests spawn the real binary; on a loaded machine each start takes seconds.
jest.setTimeout(120_000);

const FAIL = { status: 503, body: { success: false, message: 'maintenance' } };
const OK = { status: 200, body: { result: null, success: true, message: 'success', statusCode: 200 } };

describe('orderbus CLI against a live bus', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let env: Record<string, string>;
  let dir: string;

  // A test that fails half-way must not leave the receiver failing for the next one.
  afterEach(() => receiver.behave(OK));

  /** Waits until both subscriptions have nothing waiting, in flight or due for a retry. */
  async function settled(): Promise<void> {
    await waitUntil(
      async () => {
        const counts = await Promise.all(['CLIONE', 'CLITWO'].map((b) => bus.counts(b)));
        return counts.every((c) => (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0);
      },
      { timeoutMs: 45_000, intervalMs: 100, description: 'CLIONE and CLITWO idle' },
    );
  }

  beforeAll(async () => {
    bus = await startBus({
      env: {
        ORDERBUS_RETRY_SCHEDULE: '0,50ms',
        ORDERBUS_RETRY_JITTER: '0',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '12',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '0',
        // A slow machine must not turn a healthy answer into a timeout (and a dead letter).
        ORDERBUS_DELIVERY_TIMEOUT_MS: '20000',
      },
    });
    receiver = await startReceiver(OK);
    await bus.subscribe('CLIONE', receiver.url);
    await bus.subscribe('CLITWO', receiver.url, { changeIds: [4] });
    await bus.waitForWorkers(['CLIONE', 'CLITWO']);
    env = { ORDERBUS_ADMIN_URL: bus.adminUrl, ORDERBUS_ADMIN_TOKEN: OPERATOR_TOKEN, ORDERBUS_PRODUCER_URL: bus.producerUrl, ORDERBUS_PRODUCER_KEY: PRODUCER_KEY };
    dir = mkdtempSync(join(tmpdir(), 'orderbus-cli-'));
  });
  afterAll(async () => {
    stopOrderbusProcesses();
    await bus.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('usage', () => {
    const commands = [
      [],
      ['subscriptions'],
      ['subscriptions', 'list'],
      ['subscriptions', 'show'],
      ['subscriptions', 'enable'],
      ['subscriptions', 'disable'],
      ['subscriptions', 'rotate-secret'],
      ['dead-letters'],
      ['dead-letters', 'list'],
      ['dead-letters', 'replay'],
      ['events'],
      ['events', 'find'],
      ['tail'],
      ['send'],
      ['doctor'],
    ];

    it.each(commands.map((c) => [c.join(' ') || '(top level)', c]))('%s --help prints its usage and exits 0 (the real binary)', async (_name, command) => {
      const run = await runOrderbusBinary([...(command as string[]), '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: orderbus/);
      expect(run.stdout).toContain('--help');
    });

    it('exits 2 on a usage error, saying what is wrong', async () => {
      const missingToken = await runOrderbusBinary(['--admin-url', bus.adminUrl, 'subscriptions', 'list']);
      expect(missingToken.code).toBe(2);
      expect(missingToken.stderr).toContain('no admin token: pass --token <token> or set ORDERBUS_ADMIN_TOKEN');
      const unknown = await runOrderbusBinary(['subscriptoins']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("unknown command 'subscriptoins'");
      const badNumber = await orderbus(['tail', '--max', 'many'], env);
      expect(badNumber.code).toBe(2);
      expect(badNumber.stderr).toContain('many is not a positive integer');
      const noArgs = await orderbus([], env);
      expect(noArgs.code).toBe(2);
      const noSubcommand = await orderbus(['dead-letters'], env);
      expect(noSubcommand.code).toBe(2);
      expect(noSubcommand.stderr).toContain('Usage: orderbus dead-letters');
    });

    it('exits 1 on an API error with the API message, and 1 when orderbus is unreachable', async () => {
      const missing = await orderbus(['subscriptions', 'show', 'NOSUCH'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/GET \/v1\/subscriptions\/NOSUCH failed: 404 not_found/);
      const viewer = await orderbus(['subscriptions', 'disable', 'CLIONE', '--token', VIEWER_TOKEN], env);
      expect(viewer.code).toBe(1);
      expect(viewer.stderr).toContain('403 forbidden');
      expect(viewer.stderr).toContain('needs an operator token');
      const down = await orderbus(['subscriptions', 'list', '--admin-url', 'http://127.0.0.1:9'], env);
      expect(down.code).toBe(1);
      expect(down.stderr).toContain('cannot reach http://127.0.0.1:9');
    });
  });

  it('subscriptions list, show (human and --json), from env or flags', async () => {
    const human = await orderbus(['subscriptions', 'list'], env);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')[0]).toMatch(/^BASECODE\s+STATUS\s+CALLBACK/);
    expect(human.stdout).toMatch(/CLIONE\s+enabled/);
    const json = await runOrderbusBinary(['--admin-url', bus.adminUrl, '--token', OPERATOR_TOKEN, '--json', 'subscriptions', 'list', '--status', 'enabled']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).items.map((s: any) => s.baseCode).sort()).toEqual(['CLIONE', 'CLITWO']);

    const show = await orderbus(['subscriptions', 'show', 'CLITWO'], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('status       enabled');
    expect(show.stdout).toContain('scope        dataAreas * changeIds 4');
    expect(show.stdout).toMatch(/queue\s+0 waiting/);
    const showJson = JSON.parse((await orderbus(['--json', 'subscriptions', 'show', 'CLITWO'], env)).stdout);
    expect(showJson.subscription.baseCode).toBe('CLITWO');
    expect(showJson.health.state).toBeDefined();
    expect(showJson.queue).toMatchObject({ waiting: 0 });
  });

  it('subscriptions disable and enable (the connect handshake), with a reason', async () => {
    const disabled = await orderbus(['subscriptions', 'disable', 'CLITWO', '--reason', 'maintenance window'], env);
    expect(disabled).toMatchObject({ code: 0, stdout: 'CLITWO is disabled\n' });
    const subscription = (await bus.admin('GET', '/v1/subscriptions/CLITWO')).body;
    expect(subscription).toMatchObject({ status: 'disabled', statusReason: 'maintenance window' });

    const enabled = await orderbus(['--json', 'subscriptions', 'enable', 'CLITWO'], env);
    expect(enabled.code).toBe(0);
    expect(JSON.parse(enabled.stdout)).toMatchObject({ baseCode: 'CLITWO', status: 'enabled', handshake: { ok: true } });
    expect(receiver.requests.some((r) => r.headers['x-orderbus-topic'] === 'connect')).toBe(true);
  });

  it('subscriptions rotate-secret shows the new secret once and when the old one expires', async () => {
    const run = await orderbus(['subscriptions', 'rotate-secret', 'CLITWO', '--grace-seconds', '60'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/new signing secret of CLITWO .*\n {2}whsec_[A-Za-z0-9+/=]+\n/);
    const json = JSON.parse((await orderbus(['--json', 'subscriptions', 'rotate-secret', 'CLITWO'], env)).stdout);
    expect(json.signingSecret).toMatch(/^whsec_/);
    expect(Date.parse(json.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
  });

  it('send posts an event or a batch from a file or stdin (the real binary), and exits 1 with every problem', async () => {
    const one = workOrderEvent({ changeId: 4, serviceOrderId: 'send-1' });
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify(one));
    const sent = await runOrderbusBinary(['send', file], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('202: accepted 1 event');
    expect(sent.stdout).toMatch(new RegExp(`${one.eventId}\\s+no\\s+2 subscriptions`));
    const again = await runOrderbusBinary(['--json', 'send', file], env);
    expect(JSON.parse(again.stdout)).toEqual({ eventId: one.eventId, duplicate: true, queuedFor: 2 });

    const batch = { events: [workOrderEvent({ serviceOrderId: 'send-2' }), workOrderEvent({ serviceOrderId: 'send-3' })] };
    const fromStdin = await runOrderbusBinary(['--json', 'send', '-'], env, JSON.stringify(batch));
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout).events).toHaveLength(2);

    const { trackId: _t, ...data } = workOrderEvent().data;
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ dataArea: 'fwwt', changeId: '1', data }));
    const refused = await runOrderbusBinary(['send', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('POST /v1/events failed: 422 validation_failed');
    expect(refused.stderr).toMatch(/\/data\/trackId: .*trackId/);
    const missingFile = await runOrderbusBinary(['send', join(dir, 'nope.json')], env);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain('cannot read');
  });

  it('events find shows where an event stands at each subscription', async () => {
    const event = workOrderEvent({ changeId: 4, serviceOrderId: 'find-1' });
    expect((await bus.send(event)).status).toBe(202);
    // The attempt is recorded up to ORDERBUS_ATTEMPT_RECORD_DELAY_MS after the job completed.
    await waitUntil(
      async () => {
        const deliveries = (await bus.admin('GET', `/v1/events/${event.eventId}`)).body?.deliveries;
        return deliveries?.length === 2 && deliveries.every((d: any) => d.state === 'delivered' && d.attempts.length === 1);
      },
      { description: 'delivered to both, attempts recorded' },
    );
    const run = await orderbus(['events', 'find', event.eventId], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`${event.eventId}\\s+CLIONE\\s+delivered\\s+1\\s+.* ok 200`));
    expect(run.stdout).toMatch(new RegExp(`${event.eventId}\\s+CLITWO\\s+delivered`));
    const json = JSON.parse((await orderbus(['--json', 'events', 'find', event.eventId], env)).stdout);
    expect(json.deliveries.map((d: any) => d.baseCode).sort()).toEqual(['CLIONE', 'CLITWO']);
    const unknown = await orderbus(['events', 'find', 'no-such-event'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('404 not_found');
    expect((await orderbus(['events', 'find'], env)).code).toBe(2);
  });

  it('events find --order lists the events of a work order', async () => {
    const order = `order-${Date.now()}`;
    const first = workOrderEvent({ changeId: 1, serviceOrderId: order });
    const second = workOrderEvent({ changeId: 5, serviceOrderId: order });
    expect((await bus.send({ events: [first, second] })).status).toBe(202);
    const run = await waitUntil(async () => {
      const r = await orderbus(['--json', 'events', 'find', '--order', order], env);
      return r.code === 0 && JSON.stringify(JSON.parse(r.stdout)).includes(second.eventId) ? r : undefined;
    }, { timeoutMs: 10_000, description: `events of ${order} (GET /v1/events?serviceOrderId=)` }).catch(async (err) => {
      const last = await orderbus(['events', 'find', '--order', order], env);
      throw new Error(`${(err as Error).message}\nlast answer: exit ${last.code} ${last.stderr}`);
    });
    expect(run.stdout).toContain(first.eventId);
  });

  it('dead-letters list and replay one, then all since a time, with the result counted', async () => {
    // Nothing of the earlier tests may still be on its way when the receiver starts failing (failures count towards auto-disable).
    await settled();
    receiver.behave(FAIL);
    const ids = [workOrderEvent({ serviceOrderId: 'dl-a' }), workOrderEvent({ serviceOrderId: 'dl-b' }), workOrderEvent({ serviceOrderId: 'dl-c' })];
    for (const e of ids) expect((await bus.send(e)).status).toBe(202);
    for (const e of ids) await waitForDeadLetter(bus, 'CLIONE', e.eventId, 45_000);

    const list = await orderbus(['dead-letters', 'list', 'CLIONE'], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^FAILED\s+EVENT\s+CHANGE\s+ORDER\s+ATTEMPTS\s+LAST ERROR/);
    for (const e of ids) expect(list.stdout).toMatch(new RegExp(`${e.eventId}\\s+1/fwwt\\s+${e.data.serviceOrderId}\\s+3\\s+http_5xx: callback answered 503`));

    receiver.behave(OK);
    const one = await orderbus(['--json', 'dead-letters', 'replay', 'CLIONE', ids[0]!.eventId], env);
    expect(JSON.parse(one.stdout)).toEqual({ eventId: ids[0]!.eventId, replayed: true });
    await waitUntil(async () => (await bus.admin('GET', `/v1/events/${ids[0]!.eventId}`)).body.deliveries?.[0]?.state === 'delivered', {
      timeoutMs: 45_000,
      description: 'the replayed event delivered',
    });
    const twice = await orderbus(['dead-letters', 'replay', 'CLIONE', ids[0]!.eventId], env);
    expect(twice.stdout).toContain('is not a dead letter of CLIONE');

    const future = await orderbus(['dead-letters', 'replay', 'CLIONE', '--since', new Date(Date.now() + 3_600_000).toISOString()], env);
    expect(future.stdout).toContain('has no dead letters that failed since');
    const rest = await runOrderbusBinary(['--json', 'dead-letters', 'replay', 'CLIONE', '--since', '1h'], env);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ replayed: 2, skipped: 0, eventIds: [ids[1]!.eventId, ids[2]!.eventId] });
    await waitUntil(async () => (await bus.admin('GET', '/v1/subscriptions/CLIONE/dead-letters')).body.items.length === 0, { description: 'no dead letters left' });
    expect((await orderbus(['dead-letters', 'replay', 'CLIONE', '--since', 'yesterday'], env)).code).toBe(2);
  });

  it('tail prints new delivery attempts live and stops by itself after --max (the real binary)', async () => {
    receiver.behave(OK);
    const tail = spawnOrderbus(['--json', 'tail', '--subscription', 'CLITWO', '--max', '2', '--for', '30', '--interval', '200'], env);
    await waitUntil(() => tail.stderr().includes('watching'), { timeoutMs: 10_000, description: 'tail to start' });
    const events = [workOrderEvent({ changeId: 4, serviceOrderId: 'tail-1' }), workOrderEvent({ changeId: 4, serviceOrderId: 'tail-2' })];
    for (const e of events) expect((await bus.send(e)).status).toBe(202);
    expect(await tail.exited).toBe(0);
    const lines = tail.stdout().trim().split('\n').map((l) => JSON.parse(l));
    // Two work orders: delivered side by side, printed in the order the attempts started.
    expect(lines.map((l) => l.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    expect(lines[0]).toMatchObject({ baseCode: 'CLITWO', attemptNumber: 1, resultClass: 'ok', status: 200 });
    expect(tail.stderr()).toContain('stopped after 2 attempts');
  });

  it('tail across subscriptions stops on Ctrl-C with exit 0, and by itself after --for', async () => {
    const tail = spawnOrderbus(['tail', '--interval', '200'], env);
    await waitUntil(() => tail.stderr().includes('watching'), { timeoutMs: 10_000, description: 'tail to start' });
    const event = workOrderEvent({ changeId: 4, serviceOrderId: 'tail-3' });
    expect((await bus.send(event)).status).toBe(202);
    await waitUntil(() => tail.stdout().includes('CLIONE') && tail.stdout().includes('CLITWO'), { timeoutMs: 45_000, description: 'both deliveries printed' });
    expect(tail.stdout()).toMatch(new RegExp(`CLITWO  ${event.eventId}  #1  ok 200  \\d+ ms`));
    tail.kill('SIGINT');
    expect(await tail.exited).toBe(0);

    const timed = await orderbus(['tail', '--for', '1', '--interval', '200'], env);
    expect(timed.code).toBe(0);
    expect(timed.stderr).toContain('watching 2 subscriptions');
  });

  it('shows an auto-disabled subscription, and re-enables it once the receiver is fixed', async () => {
    // 4 events of 3 attempts each: 12 failures in a row, the threshold this bus runs with.
    await settled();
    receiver.behave(FAIL);
    for (let i = 0; i < 4; i++) expect((await bus.send(workOrderEvent({ changeId: 4, serviceOrderId: `broken-${i}` }))).status).toBe(202);
    await waitUntil(async () => (await bus.admin('GET', '/v1/subscriptions/CLITWO')).body.status === 'auto-disabled', { timeoutMs: 45_000, description: 'CLITWO auto-disabled' });
    const list = await orderbus(['subscriptions', 'list', '--status', 'auto-disabled'], env);
    expect(list.stdout).toMatch(/CLITWO\s+auto-disabled/);
    const show = await orderbus(['subscriptions', 'show', 'CLITWO'], env);
    expect(show.stdout).toContain('orderbus disabled it after persistent failure. Fix the receiver, then: orderbus subscriptions enable CLITWO');

    // Still broken: the handshake fails and says why.
    const refused = await orderbus(['subscriptions', 'enable', 'CLITWO'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('502 handshake_failed');
    receiver.behave(OK);
    const enabled = await orderbus(['subscriptions', 'enable', 'CLITWO', '--reason', 'receiver fixed'], env);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain('CLITWO is enabled');
  });

  it('doctor checks the producer, the admin, the credentials and the Redis settings (the real binary)', async () => {
    const healthy = await runOrderbusBinary(['doctor', '--redis-url', bus.redis.url], env);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    for (const check of ['producer', 'admin', 'admin token', 'producer key', 'redis', 'redis version', 'redis appendonly', 'redis appendfsync', 'redis maxmemory-policy', 'redis hash-max-ziplist-value']) {
      expect(healthy.stdout).toMatch(new RegExp(`^ok\\s+${check}\\s`, 'm'));
    }
    expect(healthy.stdout).toContain('all checks passed');

    const careless = await startRedisServer({ appendonly: false, args: ['--maxmemory-policy', 'allkeys-lru', '--appendfsync', 'no', '--hash-max-ziplist-value', '1024'] });
    try {
      const report = await runOrderbusBinary(['--json', 'doctor', '--redis-url', careless.url], { ...env, ORDERBUS_PRODUCER_KEY: 'wrong' });
      expect(report.code).toBe(1);
      const { ok, checks } = JSON.parse(report.stdout);
      expect(ok).toBe(false);
      const byName = Object.fromEntries(checks.map((c: any) => [c.name, c]));
      expect(byName['redis appendonly']).toMatchObject({ status: 'fail', detail: 'no' });
      expect(byName['redis appendfsync']).toMatchObject({ status: 'warn', detail: 'no' });
      expect(byName['redis maxmemory-policy']).toMatchObject({ status: 'fail', detail: 'allkeys-lru', hint: expect.stringContaining('noeviction') });
      expect(byName['redis hash-max-ziplist-value']).toMatchObject({ status: 'warn', detail: '1024', hint: expect.stringContaining('hash-max-ziplist-value 4096') });
      expect(byName['producer key']).toMatchObject({ status: 'fail' });
    } finally {
      await careless.stop();
    }

    const unreachable = await orderbus(['doctor', '--producer-url', 'http://127.0.0.1:9', '--redis-url', 'redis://127.0.0.1:9'], env);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toMatch(/^FAIL\s+producer\s+http:\/\/127\.0\.0\.1:9\/readyz is unreachable/m);
    expect(unreachable.stdout).toMatch(/^FAIL\s+redis\s+redis:\/\/127\.0\.0\.1:9/m);
  });
});
