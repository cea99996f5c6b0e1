import { fork, type ChildProcess } from 'node:child_process';
import { benchScript } from './paths';
import { cpuSeconds } from './proc';
import { onInterrupt } from './cleanup';

export interface ReceiverStats {
  /** Deliveries (requests with an event id) since the last reset. */
  count: number;
  /** Arrival times (epoch ms, sub-millisecond) of the first and last of them. */
  firstAt: number;
  lastAt: number;
}

export interface Arrivals extends ReceiverStats {
  ids: string[];
  /** Request paths: `/cb/<baseCode>`. */
  paths: string[];
  times: number[];
}

/** The receiver process (receiver-process.ts) and its controls. */
export interface Receiver {
  readonly port: number;
  readonly pid: number;
  /** The callback URL of a subscription (one path per baseCode, one server for all). */
  callbackUrl(baseCode: string): string;
  /** Forgets what arrived; with `record`, keeps every arrival's event id and time from now on. */
  reset(record?: boolean): Promise<void>;
  stats(): Promise<ReceiverStats>;
  arrivals(): Promise<Arrivals>;
  /** Resolves when `target` deliveries arrived since the reset, or after `timeoutMs` (ok false). */
  waitFor(target: number, timeoutMs: number): Promise<ReceiverStats & { ok: boolean }>;
  cpuSeconds(): number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = fork(benchScript('receiver-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map<number, (reply: any) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver did not start')), 30_000);
    child.once('exit', () => reject(new Error('receiver exited at start')));
    child.on('message', (message: any) => {
      if (message.ready) {
        clearTimeout(timer);
        resolve(message.ready as number);
        return;
      }
      const done = pending.get(message.id);
      if (done) {
        pending.delete(message.id);
        done(message);
      }
    });
  });
  const ask = (command: Record<string, unknown>): Promise<any> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...command, id });
    });
  const base = `http://127.0.0.1:${port}`;
  const unregister = onInterrupt(async () => {
    child.kill('SIGKILL');
  });
  return {
    port,
    pid: child.pid!,
    callbackUrl: (baseCode) => `${base}/cb/${baseCode}`,
    async reset(record = false) {
      await ask({ cmd: 'reset', record });
    },
    stats: () => ask({ cmd: 'stats' }),
    arrivals: () => ask({ cmd: 'arrivals' }),
    waitFor: (target, timeoutMs) => ask({ cmd: 'wait', target, timeoutMs }),
    cpuSeconds: () => cpuSeconds(child.pid),
    async close() {
      unregister();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
