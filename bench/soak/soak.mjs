// The soak run of the fault suite (docs/faults.md): the whole bus as processes (redis-server with
// AOF, admin, producer, worker) under a steady open-loop load for N minutes, with a flaky receiver
// (503s, slow answers, resets). Every sample interval it records the RSS and V8 heap of each app,
// Redis used_memory, its open connections (CLIENT LIST) and the backlog; at the end it checks that
// every acknowledged event was delivered to every subscription (or dead-lettered) and that the
// figures are flat after the warm-up. Writes a Markdown table, the samples as JSON and a PNG chart.
//
// Run with `npm run soak [-- --minutes N] [-- --rate EVENTS_PER_SECOND]` (builds first).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawChart } from './chart.mjs';

const require = createRequire(import.meta.url);
const { startRedisServer, freePort } = require('@orderbus/testkit');
const { Redis } = require('ioredis');

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

// ---- options ----------------------------------------------------------------------------------

function option(name, fallback, min, max) {
  const at = process.argv.indexOf(`--${name}`);
  const raw = at >= 0 ? process.argv[at + 1] : undefined;
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return value;
}
const MINUTES = option('minutes', 10, 1, 120);
// Modest by default: the soak is about memory and connections over time, well below capacity
// (a shared 2-core machine delivers a few hundred a second; `npm run bench` measures capacity).
const RATE = option('rate', 10, 1, 2000);
const SUBSCRIPTIONS = option('subscriptions', 4, 1, 50);
const SAMPLE_MS = option('sample-seconds', MINUTES <= 5 ? 10 : 15, 2, 600) * 1000;
const DURATION_MS = MINUTES * 60_000;
/** Everything kept in Redis expires within 60 s here (idempotency's minimum): warm-up covers it. */
const WARMUP_MS = Math.max(90_000, DURATION_MS * 0.25);
/** After warm-up, a figure may differ this much between the first and the last third and still be flat. */
const TOLERANCE = { rss: 0.2, heap: 0.25, redisMemory: 0.15 };

const log = (message) => process.stderr.write(`[soak] ${message}\n`);

// ---- the bus as processes -------------------------------------------------------------------------

const PRODUCER_KEY = 'soak-producer-key';
const ADMIN_TOKEN = 'soak-admin-token';

async function startApp(name, env) {
  const port = await freePort();
  const portVar = { producer: 'ORDERBUS_PRODUCER_PORT', worker: 'ORDERBUS_WORKER_PORT', admin: 'ORDERBUS_ADMIN_PORT' }[name];
  const hostVar = portVar.replace('_PORT', '_HOST');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORDERBUS_')));
  const child = spawn(process.execPath, [join(ROOT, 'apps', name, 'dist', 'main.js')], {
    env: { ...inherited, ORDERBUS_LOG_LEVEL: 'warn', ...env, [portVar]: String(port), [hostVar]: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz: ${stderr}`);
    await sleep(100);
  }
  return { name, url, child, stderr: () => stderr };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A receiver that misbehaves now and then: 8 % 503, 2 % slow (400 ms), 1 % connection reset. */
async function startFlakyReceiver() {
  const delivered = new Map();
  let receptions = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const eventId = req.headers['x-orderbus-event-id'];
      const baseCode = req.headers['x-orderbus-base-code'];
      const ok = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"statusCode":200}');
      if (typeof eventId !== 'string') return ok();
      receptions += 1;
      const dice = Math.random();
      if (dice < 0.08) return res.writeHead(503, { 'content-type': 'application/json' }).end('{"success":false,"message":"flaky"}');
      if (dice < 0.09) return req.socket.destroy();
      const key = `${baseCode}|${eventId}`;
      const answer = () => {
        delivered.set(key, (delivered.get(key) ?? 0) + 1);
        ok();
      };
      if (dice < 0.11) setTimeout(answer, 400);
      else answer();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/callback`, delivered, receptions: () => receptions, close: () => new Promise((r) => server.close(r)) };
}

// ---- measurements -----------------------------------------------------------------------------------

function rssBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function heapUsed(url) {
  const text = await fetch(`${url}/metrics`).then((r) => r.text()).catch(() => '');
  const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

async function redisFigures(client, prefix, baseCodes) {
  const memory = await client.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(memory)?.[1] ?? 0);
  const clients = (await client.call('CLIENT', 'LIST')).split('\n').filter(Boolean);
  const byName = {};
  for (const line of clients) {
    const name = /name=(\S*)/.exec(line)?.[1] || '(unnamed)';
    byName[name] = (byName[name] ?? 0) + 1;
  }
  const pipeline = client.pipeline();
  for (const b of baseCodes) {
    const base = `${prefix}:{sub.${b}}`;
    pipeline.llen(`${base}:wait`).llen(`${base}:active`).zcard(`${base}:delayed`).zcard(`${base}:failed`);
  }
  pipeline.dbsize();
  const replies = (await pipeline.exec()).map(([, v]) => Number(v));
  const keys = replies.pop();
  let backlog = 0;
  let dead = 0;
  for (let i = 0; i < baseCodes.length; i++) {
    backlog += replies[i * 4] + replies[i * 4 + 1] + replies[i * 4 + 2];
    dead += replies[i * 4 + 3];
  }
  return { usedMemory, connections: clients.length, byName, backlog, dead, keys };
}

// ---- the run ------------------------------------------------------------------------------------------

async function main() {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  // Next to the benchmark's results (bench/results/ is not committed).
  const outDir = join(ROOT, 'bench', 'results', `soak-${stamp}`);
  mkdirSync(outDir, { recursive: true });
  log(`${MINUTES} min at ${RATE} events/s to ${SUBSCRIPTIONS} subscriptions, a sample every ${SAMPLE_MS / 1000} s; warm-up ${Math.round(WARMUP_MS / 1000)} s`);

  const redis = await startRedisServer();
  const receiver = await startFlakyReceiver();
  const prefix = `soak${Date.now().toString(36)}`;
  const env = {
    ORDERBUS_REDIS_URL: redis.url,
    ORDERBUS_PREFIX: prefix,
    ORDERBUS_PRODUCER_KEYS: `soak:${PRODUCER_KEY}`,
    ORDERBUS_ADMIN_TOKENS: `ops:operator:${ADMIN_TOKEN}`,
    ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1',
    // Retention short enough that Redis reaches its steady state within the warm-up.
    ORDERBUS_IDEMPOTENCY_TTL_SECONDS: '60',
    ORDERBUS_COMPLETED_JOBS_TTL_MS: '60000',
    ORDERBUS_ATTEMPT_HISTORY_TTL_MS: '60000',
    ORDERBUS_DEAD_LETTERS_MAX: '1000',
    ORDERBUS_RETRY_SCHEDULE: '0,500ms,1s,2s,5s',
    ORDERBUS_DELIVERY_TIMEOUT_MS: '3000',
    ORDERBUS_REDIS_COMMAND_TIMEOUT_MS: '5000',
  };
  const apps = [];
  let exitCode = 0;
  try {
    const admin = await startApp('admin', env);
    apps.push(admin);
    const baseCodes = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `SOAK${i}`);
    for (const baseCode of baseCodes) {
      const call = (method, path, body) =>
        fetch(`${admin.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const put = await call('PUT', `/v1/subscriptions/${baseCode}`, { callbackUrl: receiver.url, contact: { name: baseCode, email: 'soak@example.com' } });
      if (put.status !== 201) throw new Error(`subscribe ${baseCode}: ${put.status} ${await put.text()}`);
      const enabled = await call('POST', `/v1/subscriptions/${baseCode}/enable`, {});
      if (enabled.status !== 200) throw new Error(`enable ${baseCode}: ${enabled.status} ${await enabled.text()}`);
    }
    const producer = await startApp('producer', env);
    const worker = await startApp('worker', env);
    apps.push(producer, worker);
    const client = new Redis(redis.url);

    // Open loop: a batch every 200 ms; a refused batch is resent later with the same eventIds.
    const template = JSON.parse(readFileSync(join(ROOT, 'examples', 'events', 'new-order.json'), 'utf8'));
    const acked = [];
    const retry = [];
    let sent = 0;
    let refused = 0;
    let next = 0;
    const perTick = Math.max(1, Math.round(RATE / 5));
    const started = Date.now();
    let sending = true;
    const inFlight = new Set();
    const tick = setInterval(() => {
      if (!sending) return;
      const events = retry.shift() ?? Array.from({ length: perTick }, () => {
        const n = next++;
        return { ...template, eventId: `soak-${n}`, data: { ...template.data, serviceOrderId: `45035997${String(n % 5000).padStart(8, '0')}` } };
      });
      sent += events.length;
      const p = fetch(`${producer.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(20_000),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 202) acked.push(...events.map((e) => e.eventId));
          else {
            refused += 1;
            retry.push(events);
          }
        })
        .catch(() => {
          refused += 1;
          retry.push(events);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }, 200);

    const samples = [];
    let lastDelivered = 0;
    let lastAt = started;
    const sample = async () => {
      const now = Date.now();
      const r = await redisFigures(client, prefix, baseCodes);
      const deliveredNow = receiver.delivered.size;
      const s = {
        t: Math.round((now - started) / 1000),
        workerRss: rssBytes(worker.child.pid),
        producerRss: rssBytes(producer.child.pid),
        adminRss: rssBytes(admin.child.pid),
        redisRss: rssBytes(redis.process?.pid),
        workerHeap: await heapUsed(worker.url),
        producerHeap: await heapUsed(producer.url),
        adminHeap: await heapUsed(admin.url),
        redisUsedMemory: r.usedMemory,
        redisConnections: r.connections,
        connectionsByName: r.byName,
        redisKeys: r.keys,
        backlog: r.backlog,
        deadLetters: r.dead,
        acked: acked.length,
        deliveriesPerSecond: Math.round(((deliveredNow - lastDelivered) * 1000) / Math.max(1, now - lastAt)),
      };
      lastDelivered = deliveredNow;
      lastAt = now;
      samples.push(s);
      log(
        `t=${s.t}s worker ${mb(s.workerRss)} MB (heap ${mb(s.workerHeap)}) producer ${mb(s.producerRss)} MB admin ${mb(s.adminRss)} MB ` +
          `redis ${mb(s.redisUsedMemory)} MB, ${s.redisConnections} conns, ${s.redisKeys} keys, backlog ${s.backlog}, ${s.deliveriesPerSecond} deliveries/s`,
      );
    };
    await sample();
    while (Date.now() - started < DURATION_MS) {
      await sleep(Math.min(SAMPLE_MS, DURATION_MS - (Date.now() - started)));
      await sample();
      for (const app of apps) if (app.child.exitCode !== null) throw new Error(`${app.name} died: ${app.stderr()}`);
    }

    // Stop the load; resend what was refused; wait for the backlog to drain.
    sending = false;
    clearInterval(tick);
    await Promise.all([...inFlight]);
    for (let tries = 0; retry.length > 0 && tries < 100; tries++) {
      const events = retry.shift();
      const res = await fetch(`${producer.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${PRODUCER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) }).catch(() => undefined);
      if (res?.status === 202) acked.push(...events.map((e) => e.eventId));
      else {
        retry.push(events);
        await sleep(500);
      }
      await res?.arrayBuffer();
    }
    const drainDeadline = Date.now() + 120_000;
    let settled;
    for (;;) {
      settled = await redisFigures(client, prefix, baseCodes);
      if (settled.backlog === 0 || Date.now() > drainDeadline) break;
      await sleep(1000);
    }

    // Accounting: every acknowledged event at every subscription is delivered or a dead letter.
    const deadIds = new Set();
    for (const b of baseCodes) for (const id of await client.zrange(`${prefix}:{sub.${b}}:failed`, 0, -1)) deadIds.add(`${b}|${id.replace(/^e-/, '')}`);
    let lost = 0;
    let duplicates = 0;
    for (const id of acked) for (const b of baseCodes) if (!receiver.delivered.has(`${b}|${id}`) && !deadIds.has(`${b}|${id}`)) lost += 1;
    for (const count of receiver.delivered.values()) duplicates += count - 1;

    // Flat after warm-up: the first and the last third of the later samples.
    const after = samples.filter((s) => s.t * 1000 >= WARMUP_MS);
    const third = Math.max(1, Math.floor(after.length / 3));
    const head = after.slice(0, third);
    const tail = after.slice(-third);
    const avg = (xs, f) => (xs.length === 0 ? 0 : xs.reduce((n, x) => n + f(x), 0) / xs.length);
    const checks = [
      ['worker RSS', (s) => s.workerRss, TOLERANCE.rss],
      ['producer RSS', (s) => s.producerRss, TOLERANCE.rss],
      ['admin RSS', (s) => s.adminRss, TOLERANCE.rss],
      // The heap at a random moment is a GC sawtooth: its floor (the lowest sample) is what a leak raises.
      ['worker heap floor', (s) => s.workerHeap, TOLERANCE.heap, 0, 'min'],
      ['producer heap floor', (s) => s.producerHeap, TOLERANCE.heap, 0, 'min'],
      ['admin heap floor', (s) => s.adminHeap, TOLERANCE.heap, 0, 'min'],
      ['Redis used_memory', (s) => s.redisUsedMemory, TOLERANCE.redisMemory],
      ['Redis connections', (s) => s.redisConnections, 0],
      // Not memory: a backlog that grows means the bus does not keep up with the rate (lower --rate).
      ['backlog', (s) => s.backlog, 1, 100],
    ].map(([name, f, tolerance, floor = 0, how = 'avg']) => {
      const first = how === 'min' ? Math.min(...head.map(f)) : avg(head, f);
      const last = how === 'min' ? Math.min(...tail.map(f)) : avg(tail, f);
      const growth = first === 0 ? 0 : (last - first) / first;
      return { name, first, last, growth, flat: growth <= tolerance || last <= floor, judged: after.length >= 3 };
    });

    const summary = {
      minutes: MINUTES,
      rate: RATE,
      subscriptions: SUBSCRIPTIONS,
      eventsSent: sent,
      requestsRefused: refused,
      eventsAcknowledged: acked.length,
      deliveriesExpected: acked.length * SUBSCRIPTIONS,
      delivered: receiver.delivered.size,
      deadLettered: deadIds.size,
      receptions: receiver.receptions(),
      duplicates,
      lost,
      backlogAtEnd: settled.backlog,
      flat: checks,
      connectionsByName: samples[samples.length - 1]?.connectionsByName,
      machine: readFileSync('/proc/loadavg', 'utf8').trim(),
    };
    writeFileSync(join(outDir, 'samples.json'), JSON.stringify({ summary, samples }, null, 2));
    const chart = drawChart(samples, join(outDir, 'soak.png'), { warmupSeconds: WARMUP_MS / 1000, title: `orderbus soak: ${MINUTES} min, ${RATE} events/s × ${SUBSCRIPTIONS} subscriptions, flaky receiver` });
    const markdown = renderMarkdown(summary, samples, chart, outDir);
    writeFileSync(join(outDir, 'report.md'), markdown);
    process.stdout.write(`\n${markdown}\n`);
    log(`results in ${relative(ROOT, outDir)}/`);
    if (lost > 0 || checks.some((c) => c.judged && !c.flat)) exitCode = 1;
    if (!checks[0].judged) log('too short to judge flatness: run at least 3 minutes');
    client.disconnect();
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    exitCode = 1;
  } finally {
    for (const app of apps) {
      app.child.kill('SIGTERM');
      await new Promise((r) => (app.child.exitCode !== null ? r() : app.child.once('exit', r)));
    }
    await receiver.close();
    await redis.stop();
  }
  process.exit(exitCode);
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

function renderMarkdown(summary, samples, chart, outDir) {
  const rows = samples.map(
    (s) =>
      `| ${s.t} | ${mb(s.workerRss)} | ${mb(s.workerHeap)} | ${mb(s.producerRss)} | ${mb(s.producerHeap)} | ${mb(s.adminRss)} | ${mb(s.redisUsedMemory)} | ${s.redisConnections} | ${s.redisKeys} | ${s.backlog} | ${s.deliveriesPerSecond} |`,
  );
  const flat = summary.flat.map((c) => `| ${c.name} | ${/connections|backlog/.test(c.name) ? c.first.toFixed(1) : mb(c.first)} | ${/connections|backlog/.test(c.name) ? c.last.toFixed(1) : mb(c.last)} | ${(c.growth * 100).toFixed(1)} % | ${!c.judged ? 'too short to judge' : c.flat ? 'flat' : '**GROWING**'} |`);
  return [
    `# orderbus soak, ${summary.minutes} min`,
    '',
    `${summary.rate} events/s × ${summary.subscriptions} subscriptions, a flaky receiver (8 % 503, 2 % slow, 1 % reset). Load average at the end: ${summary.machine}.`,
    '',
    `Events sent ${summary.eventsSent}, acknowledged ${summary.eventsAcknowledged} (refused requests resent: ${summary.requestsRefused}); ` +
      `deliveries expected ${summary.deliveriesExpected}, delivered ${summary.delivered}, dead-lettered ${summary.deadLettered}, duplicates ${summary.duplicates}, **lost ${summary.lost}**; backlog at the end ${summary.backlogAtEnd}.`,
    '',
    '| t (s) | worker RSS MB | worker heap MB | producer RSS MB | producer heap MB | admin RSS MB | Redis used_memory MB | Redis connections | keys | backlog | deliveries/s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'After the warm-up, first third against last third:',
    '',
    '| figure | first third | last third | growth | verdict |',
    '|---|---:|---:|---:|---|',
    ...flat,
    '',
    `Connections by name at the end: ${Object.entries(summary.connectionsByName ?? {}).map(([n, c]) => `${n} ${c}`).join(', ')}.`,
    '',
    `![soak chart](${relative(outDir, chart)})`,
  ].join('\n');
}

await main();
