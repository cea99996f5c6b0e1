import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appNodeFlags, freePort, waitUntil } from '@orderbus/testkit';

export type AppName = 'producer' | 'worker' | 'admin';

const PORT_VARIABLE: Record<AppName, string> = {
  producer: 'ORDERBUS_PRODUCER_PORT',
  worker: 'ORDERBUS_WORKER_PORT',
  admin: 'ORDERBUS_ADMIN_PORT',
};
const HOST_VARIABLE: Record<AppName, string> = {
  producer: 'ORDERBUS_PRODUCER_HOST',
  worker: 'ORDERBUS_WORKER_HOST',
  admin: 'ORDERBUS_ADMIN_HOST',
};

/** An app running as its own process (the built dist, as `npm run up` and the containers run it). */
export interface AppProcess {
  readonly name: AppName;
  readonly url: string;
  readonly child: ChildProcess;
  /** The last lines it printed (for failure messages). */
  output(): string;
  /** Sends a signal; with SIGKILL/SIGTERM waits until the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: Promise<number | null>;
}

/**
 * Starts `node apps/<name>/dist/main.js` with the given environment (none of
 * the test process's ORDERBUS_* variables leak in) and waits for `/healthz`.
 */
export async function startAppProcess(name: AppName, env: Record<string, string>): Promise<AppProcess> {
  const main = join(__dirname, '..', '..', 'apps', name, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run the build first (npm test does)`);
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ORDERBUS_')));
  const child = spawn(process.execPath, [...appNodeFlags(join(__dirname, '..', '..'), name), main], {
    env: { ...inherited, ORDERBUS_LOG_LEVEL: 'warn', ...env, [PORT_VARIABLE[name]]: String(port), [HOST_VARIABLE[name]]: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 60));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  await waitUntil(
    async () => {
      if (gone) throw new Error(`${name} exited:\n${lines.join('\n')}`);
      return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 60_000, intervalMs: 100, description: `${name} process to answer /healthz` },
  );
  return {
    name,
    url,
    child,
    exited,
    output: () => lines.join('\n'),
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (gone) return;
      child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await exited;
    },
  };
}
