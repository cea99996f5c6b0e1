import { fork, type ChildProcess } from 'node:child_process';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { benchScript } from '../support/paths';
import { cpuSeconds } from '../support/proc';
import { EventFactory } from '../support/events';
import type { Receiver } from '../support/receiver';
import { now } from '../support/stats';
import { onInterrupt } from '../support/cleanup';

/** The bare pipeline's job options: the same retention and attempts cap as orderbus's delivery jobs. */
export function bareJobOptions(eventId: string): JobsOptions {
  return {
    jobId: `e-${eventId}`,
    attempts: 1000,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: false,
  };
}

export const BARE_PREFIX = 'bare';

/** Baseline (a), producer side: one Queue per subscription on one shared connection; addBulk per queue. */
export class BareProducer {
  readonly connection: Redis;
  readonly queues: Queue[];

  constructor(redisUrl: string, readonly queueNames: readonly string[]) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bare-producer' });
    this.connection.on('error', () => undefined);
    this.queues = queueNames.map((name) => new Queue(name, { connection: this.connection, prefix: BARE_PREFIX }));
  }

  /** Adds every event to every queue (addBulk per queue, all queues at once); resolves when Redis has them all. */
  async addBulk(events: ReadonlyArray<{ id: string; data: Record<string, unknown> }>): Promise<void> {
    await Promise.all(
      this.queues.map((queue) => queue.addBulk(events.map((e) => ({ name: 'new-order', data: { event: e.data }, opts: bareJobOptions(e.id) })))),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    this.connection.disconnect();
  }
}

/** Events for the bare pipeline: the same envelopes orderbus gets, as objects. */
export function bareEvents(factory: EventFactory, count: number, orderOf?: (i: number) => number): Array<{ id: string; data: Record<string, unknown> }> {
  return Array.from({ length: count }, (_, i) => {
    const id = factory.nextId();
    return { id, data: factory.event(id, EventFactory.orderKey(orderOf ? orderOf(i) : i)) };
  });
}

export interface BareWorker {
  readonly pid: number;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts the bare BullMQ worker process (baselines/bare-worker-process.ts) and waits until its Workers are connected. */
export async function startBareWorker(redisUrl: string, queues: readonly string[], concurrency: number, receiver: Receiver, cpuProfDir?: string): Promise<BareWorker> {
  const config = { redisUrl, prefix: BARE_PREFIX, queues, concurrency, receiverBase: `http://127.0.0.1:${receiver.port}` };
  const child: ChildProcess = fork(benchScript('baselines/bare-worker-process.js'), [JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=bare-worker-${Date.now()}.cpuprofile`] : [],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare BullMQ worker did not get ready')), 60_000);
    child.once('exit', (code) => reject(new Error(`bare BullMQ worker exited (${code})`)));
    child.on('message', (m: { ready?: boolean }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    unregister();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  };
  const unregister = onInterrupt(stop);
  return { pid: child.pid!, cpuSeconds: () => cpuSeconds(child.pid), stop };
}

/** Starts the trivial Express endpoint (baseline b) and returns its URL and a stop function. */
export async function startExpressBaseline(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = fork(benchScript('baselines/express-process.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('express baseline did not start')), 30_000);
    child.on('message', (m: { ready?: number }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(m.ready);
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    unregister();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const unregister = onInterrupt(stop);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}

export { now };
