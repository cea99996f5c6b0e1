// Events per second on one Redis node vs a local 3-master Redis Cluster.
//
//   npm run build && node bench/cluster-throughput.mjs [--seconds 8] [--subscriptions 20] [--concurrency 8] [--batch 10]
//
// For each topology it starts Redis (redis-server, or 3 cluster masters with
// AOF everysec), registers --subscriptions subscriptions that take every
// event, and runs the built apps as processes (apps/<app>/dist/main.js):
//   1. ingest: --concurrency clients POST batches of --batch events to the
//      producer for --seconds (no worker runs): accepted events/s, and jobs/s
//      (one job per event and subscription);
//   2. delivery: one worker process drains that backlog into a receiver on
//      loopback: deliveries/s over the first --seconds.
// Everything stays on 127.0.0.1 and is bounded in time. Every process shares
// this machine's cores, the cluster's three redis-servers included: the
// figures compare topologies on one machine, not a cluster's capacity.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const testkit = require(join(root, 'packages/testkit/dist/index.js'));
const queues = require(join(root, 'packages/queues/dist/index.js'));
const registry = require(join(root, 'packages/registry/dist/index.js'));

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    subscriptions: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '10' },
  },
});
const SECONDS = Number(opts.seconds);
const SUBSCRIPTIONS = Number(opts.subscriptions);
const CONCURRENCY = Number(opts.concurrency);
const BATCH = Number(opts.batch);
const PRODUCER_KEY = 'bench-producer-key';
const template = JSON.parse(readFileSync(join(root, 'examples/events/new-order.json'), 'utf8'));

function log(message) {
  process.stderr.write(`[cluster-throughput] ${message}\n`);
}

/** A receiver on loopback that answers every delivery at once and counts them. */
async function startCountingReceiver() {
  let count = 0;
  let first = 0;
  const body = JSON.stringify(testkit.SUCCESS_REPLY);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (count++ === 0) first = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/callback`,
    get count() {
      return count;
    },
    get first() {
      return first;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Starts an app's built main.js; resolves once its /readyz answers 200. */
async function startApp(app, env, port) {
  const child = spawn(process.execPath, [join(root, 'apps', app, 'dist', 'main.js')], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', process.env.ORDERBUS_LOG_LEVEL ? 'inherit' : 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
    if (process.env.ORDERBUS_LOG_LEVEL) process.stderr.write(chunk);
  });
  await testkit.waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`${app} exited: ${stderr}`);
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 30_000, intervalMs: 100, description: `${app} ready` },
  );
  return {
    /** SIGTERM, then SIGKILL if it has not drained and exited within 10 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** App processes still running: killed if the bench fails or is interrupted. */
const running = new Set();
function killRunning() {
  for (const child of running) child.kill('SIGKILL');
}
process.once('SIGINT', () => {
  killRunning();
  process.exit(130);
});
process.once('SIGTERM', () => {
  killRunning();
  process.exit(143);
});

async function measure(label, redisUrl) {
  const prefix = testkit.uniquePrefix('bench');
  const receiver = await startCountingReceiver();
  const connection = queues.createRedisConnection(redisUrl, 'worker');
  connection.on('error', () => undefined);
  await queues.waitForReady(connection);
  const store = new registry.SubscriptionStore(connection, prefix);
  for (let i = 0; i < SUBSCRIPTIONS; i++) {
    const baseCode = `BENCH${String(i).padStart(3, '0')}`;
    await store.put(baseCode, { callbackUrl: receiver.url, contact: { name: 'bench', email: 'bench@example.com' } });
    await store.setStatus(baseCode, { status: 'enabled', by: 'bench', reason: 'bench' });
  }

  const common = {
    ORDERBUS_REDIS_URL: redisUrl,
    ORDERBUS_PREFIX: prefix,
    ORDERBUS_LOG_LEVEL: process.env.ORDERBUS_LOG_LEVEL ?? 'error',
    ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1',
    ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '10000',
  };
  const producerPort = await testkit.freePort();
  const producer = await startApp('producer', { ...common, ORDERBUS_PRODUCER_KEYS: `bench:${PRODUCER_KEY}`, ORDERBUS_PRODUCER_PORT: String(producerPort), ORDERBUS_PRODUCER_HOST: '127.0.0.1' }, producerPort);

  // 1. Ingest for SECONDS, no worker running.
  let accepted = 0;
  let failed = 0;
  let sequence = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const events = Array.from({ length: BATCH }, () => {
          const n = ++sequence;
          return { ...template, eventId: `${prefix}-${n}`, data: { ...template.data, serviceOrderId: `${prefix}${n}` } };
        });
        const res = await fetch(`http://127.0.0.1:${producerPort}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        });
        const text = await res.text();
        if (res.status === 202) accepted += events.length;
        else {
          failed += events.length;
          if (failed === events.length) log(`${label}: the producer refused a batch: ${res.status} ${text.slice(0, 300)}`);
        }
      }
    }),
  );
  const ingestSeconds = (Date.now() - started) / 1000;
  await producer.stop();
  if (accepted === 0) throw new Error(`${label}: the producer accepted nothing`);

  // 2. Deliver the backlog with one worker, for at most SECONDS after the first delivery.
  const workerPort = await testkit.freePort();
  const owed = accepted * SUBSCRIPTIONS;
  const worker = await startApp('worker', { ...common, ORDERBUS_WORKER_PORT: String(workerPort), ORDERBUS_WORKER_HOST: '127.0.0.1' }, workerPort);
  await testkit.waitUntil(() => receiver.count > 0, { timeoutMs: 30_000, description: 'the first delivery' });
  await testkit
    .waitUntil(() => receiver.count >= owed || Date.now() - receiver.first >= SECONDS * 1000, { timeoutMs: SECONDS * 1000 + 5000, intervalMs: 50 })
    .catch(() => undefined);
  const deliverySeconds = (Date.now() - receiver.first) / 1000;
  const delivered = receiver.count;
  await worker.stop();
  await receiver.close();
  connection.disconnect();

  return {
    label,
    acceptedPerSecond: accepted / ingestSeconds,
    jobsPerSecond: (accepted * SUBSCRIPTIONS) / ingestSeconds,
    failed,
    deliveriesPerSecond: delivered / deliverySeconds,
  };
}

async function main() {
  log(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${SUBSCRIPTIONS} subscriptions taking every event; ${CONCURRENCY} clients x ${BATCH} events per request; ${SECONDS} s per phase`);
  const results = [];
  {
    const redis = await testkit.startRedisServer();
    try {
      log('one node');
      results.push(await measure('1 node', redis.url));
    } finally {
      await redis.stop();
    }
  }
  {
    const cluster = await testkit.startRedisCluster({ masters: 3 });
    try {
      log('3-master cluster');
      results.push(await measure('3-master cluster', cluster.url));
    } finally {
      await cluster.stop();
    }
  }
  log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${r.acceptedPerSecond.toFixed(0)} | ${r.jobsPerSecond.toFixed(0)} | ${r.deliveriesPerSecond.toFixed(0)} |${r.failed ? ` ${r.failed} refused |` : ''}`,
  );
  process.stdout.write(
    [
      `| Redis | ingest: events/s | ingest: jobs/s (x${SUBSCRIPTIONS} subscriptions) | delivery: deliveries/s (1 worker) |`,
      '| --- | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  log(err.stack ?? String(err));
  killRunning();
  process.exit(1);
});
