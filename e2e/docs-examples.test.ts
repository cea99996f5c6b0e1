import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, startReceiver, waitUntil, type TestReceiver } from '@orderbus/testkit';
import { OPERATOR_TOKEN, PRODUCER_KEY, startBus, type TestBus } from './support/bus';
import { waitForDeadLetter } from './support/delivery';
import { workOrderEvent } from './support/events';
import { main as producerClientExample } from '../docs/guides/examples/producer-client';
import { runOrderbusBinary } from './support/cli';

/*
 * The guides' examples, run against a live bus: docs/guides/examples/*.sh with
 * bash and curl, docs/guides/examples/producer-client.ts imported (and so
 * type-checked by e2e's typecheck), and examples/receiver as its own process.
 * The guides quote these files whole (`<!-- include: ... -->`), checked below,
 * so a guide example that breaks fails here.
 */

// Scripts and processes start slowly on a loaded machine.
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');
const EXAMPLES = join(ROOT, 'docs', 'guides', 'examples');
const OK = { status: 200, body: { result: null, success: true, message: 'success', statusCode: 200 } };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an example script with bash, with only the given ORDERBUS_* environment, `orderbus` on the PATH. */
function runScript(name: string, env: Record<string, string>): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ORDERBUS_')));
  const path = `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`;
  const child = spawn('bash', [join(EXAMPLES, name)], { cwd: ROOT, env: { ...inherited, PATH: path, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

function firstJson(text: string): any {
  return JSON.parse(text.trim().split('\n')[0]!);
}

describe('the guides quote their examples, and the API reference is current', () => {
  it('every `<!-- include -->` block is the file it names (node scripts/docs-includes.mjs)', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'docs-includes.mjs'), '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('docs/guides/api-reference.md is generated from the current OpenAPI document (node scripts/api-reference.mjs)', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'api-reference.mjs'), '--check'], { encoding: 'utf8' });
    // (stderr may carry warnings of the admin's modules as they load; the verdict is the exit code and its line.)
    expect(run.stderr).not.toContain('out of date');
    expect(run.status).toBe(0);
  });
});

describe('guide examples against a live bus', () => {
  let bus: TestBus;
  let receiver: TestReceiver;
  let dir: string;
  let producerEnv: Record<string, string>;

  beforeAll(async () => {
    bus = await startBus({
      env: { ORDERBUS_RETRY_SCHEDULE: '0,50ms', ORDERBUS_RETRY_JITTER: '0', ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '6', ORDERBUS_AUTO_DISABLE_AFTER_FAILING_MS: '0' },
    });
    receiver = await startReceiver(OK);
    await bus.subscribe('GUIDES', receiver.url);
    await bus.waitForWorkers(['GUIDES']);
    dir = mkdtempSync(join(tmpdir(), 'orderbus-docs-'));
    producerEnv = { ORDERBUS_PRODUCER_URL: bus.producerUrl, ORDERBUS_PRODUCER_KEY: PRODUCER_KEY };
  });
  afterAll(async () => {
    await bus.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('producer guide: send-event.sh sends one event, and again it is a duplicate', async () => {
    const first = await runScript('send-event.sh', producerEnv);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(firstJson(first.stdout)).toEqual({ eventId: 'wo-4503599741262301-created', duplicate: false, queuedFor: 1 });
    const again = await runScript('send-event.sh', producerEnv);
    expect(firstJson(again.stdout)).toEqual({ eventId: 'wo-4503599741262301-created', duplicate: true, queuedFor: 1 });
    await receiver.waitForRequests(1, { filter: (r) => r.headers['webhook-id'] === 'wo-4503599741262301-created' });
  });

  it('producer guide: send-batch.sh sends a batch', async () => {
    const run = await runScript('send-batch.sh', producerEnv);
    expect(run.code).toBe(0);
    expect(firstJson(run.stdout).events.map((e: any) => e.eventId)).toEqual(['wo-4503599741262301-evaluated', 'wo-4503599741262302-evaluated']);
  });

  it('producer guide: the producer client example emits typed events that arrive', async () => {
    Object.assign(process.env, { ...producerEnv, ORDERBUS_SPOOL_PATH: join(dir, 'spool.jsonl') });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const ids = await producerClientExample();
      expect(ids).toHaveLength(2);
      expect(log).toHaveBeenCalledWith(expect.objectContaining({ pending: 0, accepted: 2, rejected: 0 }));
      const arrived = await receiver.waitForRequests(2, { filter: (r) => ids.includes(r.headers['webhook-id'] ?? '') });
      expect(arrived.map((r) => r.headers['x-orderbus-change-id'])).toEqual(['1', '3']);
    } finally {
      log.mockRestore();
      for (const key of ['ORDERBUS_PRODUCER_URL', 'ORDERBUS_PRODUCER_KEY', 'ORDERBUS_SPOOL_PATH']) delete process.env[key];
    }
  });

  it('subscriber guide: credential, register, the example receiver, enable, receive', async () => {
    const main = join(ROOT, 'examples', 'receiver', 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm test does)`);
    const adminEnv = { ORDERBUS_ADMIN_URL: bus.adminUrl, ORDERBUS_ADMIN_TOKEN: OPERATOR_TOKEN };
    // 1. The operator issues a credential (the guide uses the CLI).
    // (Not spawnSync: the bus runs in this process and must go on answering.)
    const issued = await runOrderbusBinary(['--json', 'subscriptions', 'issue-credential', 'HRZDWYWHXT'], adminEnv);
    expect(issued.code).toBe(0);
    const credential = JSON.parse(issued.stdout).credential as string;
    expect(credential).toMatch(/^obr_HRZDWYWHXT\./);

    // 2. The subscriber registers with it and gets the signing secret.
    const port = await freePort();
    const ownerEnv = { ORDERBUS_ADMIN_URL: bus.adminUrl, ORDERBUS_CREDENTIAL: credential, BASE_CODE: 'HRZDWYWHXT', CALLBACK_URL: `http://127.0.0.1:${port}/callback` };
    const registered = await runScript('register-subscriber.sh', ownerEnv);
    expect(registered.code).toBe(0);
    const subscription = firstJson(registered.stdout);
    expect(subscription).toMatchObject({ baseCode: 'HRZDWYWHXT', status: 'disabled', scope: { dataAreas: ['fwwt'], changeIds: [1, 2, 3, 5] } });
    expect(subscription.signingSecret).toMatch(/^whsec_/);

    // 3. The example receiver, with that secret.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ORDERBUS_')));
    const child = spawn(process.execPath, [main], { env: { ...inherited, ORDERBUS_SIGNING_SECRET: subscription.signingSecret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    try {
      await waitUntil(() => output.includes('example receiver on'), { timeoutMs: 10_000, description: `the example receiver to start: ${output}` });

      // 4. Enable: the connect handshake reaches the receiver and passes.
      const enabled = await runScript('enable-subscriber.sh', ownerEnv);
      expect(enabled.code).toBe(0);
      const [enableAnswer, health] = enabled.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(enableAnswer).toMatchObject({ baseCode: 'HRZDWYWHXT', status: 'enabled', handshake: { ok: true } });
      expect(health.state).toBeDefined();
      await waitUntil(() => bus.worker?.dispatcher.servedBaseCodes().includes('HRZDWYWHXT'), { description: 'the worker serving HRZDWYWHXT' });

      // 5. An event in its scope arrives, verified, and is handled once.
      const event = workOrderEvent({ changeId: 1 });
      expect((await bus.send(event)).status).toBe(202);
      const handled = await waitUntil(
        async () => {
          const list = (await (await fetch(`http://127.0.0.1:${port}/handled`)).json()) as Array<{ eventId: string }>;
          return list.find((h) => h.eventId === event.eventId);
        },
        { timeoutMs: 15_000, description: 'the event handled by the example receiver' },
      );
      expect(handled).toMatchObject({ changeId: '1', baseCode: 'HRZDWYWHXT' });
      expect(output).toContain(`new work order ${event.data.serviceOrderCode}`);

      // A forged delivery is refused.
      const forged = await fetch(`http://127.0.0.1:${port}/callback`, {
        method: 'POST',
        headers: { 'webhook-id': 'x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA', 'content-type': 'application/json' },
        body: '{"eventId":"x"}',
      });
      expect(forged.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('operator guide: the CLI tour re-enables an auto-disabled subscription and replays its dead letters', async () => {
    const broken = await startReceiver(OK);
    try {
      await bus.subscribe('TOUR', broken.url, { changeIds: [4] });
      broken.behave({ status: 503, body: { success: false, message: 'maintenance' } });
      await waitUntil(() => bus.worker?.dispatcher.servedBaseCodes().includes('TOUR'), { description: 'the worker serving TOUR' });
      const events = [workOrderEvent({ changeId: 4, serviceOrderId: 'tour-1' }), workOrderEvent({ changeId: 4, serviceOrderId: 'tour-2' })];
      for (const e of events) expect((await bus.send(e)).status).toBe(202);
      for (const e of events) await waitForDeadLetter(bus, 'TOUR', e.eventId);
      await waitUntil(async () => (await bus.admin('GET', '/v1/subscriptions/TOUR')).body.status === 'auto-disabled', { description: 'TOUR auto-disabled' });

      broken.behave(OK);
      const run = await runScript('operator-tour.sh', {
        ORDERBUS_ADMIN_URL: bus.adminUrl,
        ORDERBUS_ADMIN_TOKEN: OPERATOR_TOKEN,
        ...producerEnv,
        ORDERBUS_REDIS_URL: bus.redis.url,
        BASE_CODE: 'TOUR',
      });
      expect({ code: run.code, stderr: run.stderr.replace(/watching.*\n|stopped after.*\n/g, '') }).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toContain('all checks passed');
      expect(run.stdout).toMatch(/TOUR\s+auto-disabled/);
      expect(run.stdout).toContain('TOUR is enabled');
      expect(run.stdout).toContain('replayed 2 of 2 dead letters of TOUR');
      await waitUntil(() => events.every((e) => broken.requests.some((r) => r.headers['webhook-id'] === e.eventId && r.headers['x-orderbus-attempt'] === '1' && r.receivedAt > 0)), {
        description: 'the replayed events delivered',
      });
      expect((await bus.admin('GET', '/v1/subscriptions/TOUR')).body.status).toBe('enabled');
    } finally {
      await broken.close();
    }
  }, 120_000);
});
