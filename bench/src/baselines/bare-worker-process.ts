/**
 * Baseline (a), consumer side: bare BullMQ. One BullMQ Worker per queue (its
 * own blocking connection, BullMQ's defaults), each POSTing the job's data
 * with undici to the same receiver as orderbus — no validation, signing,
 * ordering, health or attempt bookkeeping. Configured by argv[2] (JSON),
 * reports {ready} over IPC, exits on SIGTERM or when the parent goes away.
 */
import { Worker, type Job } from 'bullmq';
import { Agent, request } from 'undici';

interface Config {
  redisUrl: string;
  prefix: string;
  queues: string[];
  concurrency: number;
  receiverBase: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const { hostname, port } = new URL(config.redisUrl);
const agent = new Agent({ keepAliveTimeout: 4000 });

async function deliver(job: Job<{ event: { eventId: string } }>, queue: string): Promise<void> {
  const res = await request(`${config.receiverBase}/cb/${queue}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', 'x-orderbus-event-id': job.data.event.eventId },
    body: JSON.stringify(job.data),
  });
  await res.body.text();
  if (res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}`);
}

const workers = config.queues.map(
  (queue) =>
    new Worker(queue, (job) => deliver(job, queue), {
      connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null, connectionName: 'bare-worker' },
      prefix: config.prefix,
      concurrency: config.concurrency,
    }),
);
for (const w of workers) w.on('error', () => undefined);

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  await Promise.race([Promise.all(workers.map((w) => w.close())), new Promise((r) => setTimeout(r, 5000))]);
  await agent.close().catch(() => undefined);
  process.exit(0);
}
process.once('SIGTERM', () => void close());
process.once('disconnect', () => void close());

void Promise.all(workers.map((w) => w.waitUntilReady())).then(() => process.send?.({ ready: true }));
