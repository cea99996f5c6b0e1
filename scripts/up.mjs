// `npm run up`: installs what is missing, builds, and starts the whole bus in
// the background — Redis (AOF under .data/redis), producer, worker, admin and
// a demo subscriber — then prints the URLs and a first curl line.
// `npm run down` stops it all again.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { appNodeFlags, build, ensureDependencies, ensurePnpm, ensureRedisServer, log, root } from './lib/tools.mjs';
import { dataDir, logDir, readPid, startDetached, stop, waitForHttp } from './lib/processes.mjs';

const ports = {
  redis: Number(process.env.ORDERBUS_UP_REDIS_PORT ?? 6390),
  producer: Number(process.env.ORDERBUS_PRODUCER_PORT ?? 8080),
  admin: Number(process.env.ORDERBUS_ADMIN_PORT ?? 8081),
  worker: Number(process.env.ORDERBUS_WORKER_PORT ?? 8082),
  demo: Number(process.env.DEMO_SUBSCRIBER_PORT ?? 8090),
};
// Development credentials: fine on a laptop, never in production.
const producerKey = process.env.ORDERBUS_DEV_PRODUCER_KEY ?? 'dev-producer-key';
const adminToken = process.env.ORDERBUS_DEV_ADMIN_TOKEN ?? 'dev-admin-token';

async function startRedis() {
  const redisDir = join(dataDir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  if (readPid('redis')) {
    log(`redis already running on ${ports.redis}`);
    return;
  }
  startDetached('redis', 'redis-server', [
    join(root, 'infra', 'redis', 'redis.conf'),
    '--port', String(ports.redis),
    '--bind', '127.0.0.1',
    '--dir', redisDir,
  ]);
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-p', String(ports.redis), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === 'PONG') return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server did not start; see ${join(logDir, 'redis.log')}`);
}

async function main() {
  ensurePnpm();
  ensureDependencies();
  build();
  ensureRedisServer();
  await startRedis();

  const common = {
    ORDERBUS_REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    ORDERBUS_PRODUCER_KEYS: `workorder:${producerKey}`,
    ORDERBUS_ADMIN_TOKENS: `admin:operator:${adminToken}`,
    // The demo subscriber listens on loopback; allow it explicitly.
    ORDERBUS_CALLBACK_ALLOWLIST: '127.0.0.1,::1,localhost',
  };
  const apps = [
    ['producer', 'apps/producer/dist/main.js', { ORDERBUS_PRODUCER_PORT: String(ports.producer), ORDERBUS_PRODUCER_HOST: '127.0.0.1' }, ports.producer],
    ['admin', 'apps/admin/dist/main.js', { ORDERBUS_ADMIN_PORT: String(ports.admin), ORDERBUS_ADMIN_HOST: '127.0.0.1' }, ports.admin],
    ['worker', 'apps/worker/dist/main.js', { ORDERBUS_WORKER_PORT: String(ports.worker), ORDERBUS_WORKER_HOST: '127.0.0.1' }, ports.worker],
    ['demo-subscriber', 'apps/demo-subscriber/dist/main.js', { DEMO_SUBSCRIBER_PORT: String(ports.demo) }, undefined],
  ];
  for (const [name, entry, env] of apps) {
    await stop(name);
    startDetached(name, process.execPath, [...appNodeFlags(name), join(root, entry)], { ...common, ...env });
  }
  for (const [name, , , port] of apps) {
    if (port) await waitForHttp(`http://127.0.0.1:${port}/readyz`).catch((err) => {
      throw new Error(`${name} did not get ready: ${err.message}; see ${join(logDir, `${name}.log`)}`);
    });
  }
  await waitForHttp(`http://127.0.0.1:${ports.demo}/received`);
  await registerDemoSubscription();

  const banner = `
orderbus is up.

  producer         http://127.0.0.1:${ports.producer}   POST /v1/events   (Bearer ${producerKey})
  admin API        http://127.0.0.1:${ports.admin}   /v1/subscriptions (Bearer ${adminToken})
  worker           http://127.0.0.1:${ports.worker}/metrics
  demo subscriber  http://127.0.0.1:${ports.demo}/callback   (GET /received lists what it got)
  redis            redis://127.0.0.1:${ports.redis}   (AOF in .data/redis)
  logs             .data/logs/*.log

The demo subscription DEMO (all dataAreas, all changeIds) delivers to the demo subscriber.
Send a seed example:

  curl -s -X POST http://127.0.0.1:${ports.producer}/v1/events \\
    -H 'Authorization: Bearer ${producerKey}' -H 'Content-Type: application/json' \\
    --data @examples/events/new-order.json

and see it arrive:

  curl -s http://127.0.0.1:${ports.demo}/received

Stop everything with: npm run down
`;
  process.stdout.write(banner);
}

async function registerDemoSubscription() {
  const base = `http://127.0.0.1:${ports.admin}/v1/subscriptions/DEMO`;
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const put = await fetch(base, {
    method: 'PUT',
    headers,
    body: JSON.stringify({
      systemName: 'Demo subscriber',
      callbackUrl: `http://127.0.0.1:${ports.demo}/callback`,
      scope: { dataAreas: '*', changeIds: '*' },
      contact: { name: 'Demo', email: 'demo@example.com' },
    }),
  });
  if (!put.ok) throw new Error(`registering the demo subscription failed: ${put.status} ${await put.text()}`);
  const enable = await fetch(`${base}/enable`, { method: 'POST', headers, body: '{}' });
  if (!enable.ok) throw new Error(`enabling the demo subscription failed: ${enable.status} ${await enable.text()}`);
}

main().catch((err) => {
  log(`up failed: ${err.message}`);
  process.exit(1);
});
