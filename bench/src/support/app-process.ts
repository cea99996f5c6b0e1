import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { appNodeFlags, freePort, waitUntil } from '@orderbus/testkit';
import { ROOT, appMain } from './paths';
import { cpuSeconds, rssBytes } from './proc';

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

export interface StartAppOptions {
  /** Where the process's stdout and stderr go (its JSON log lines). */
  logFile: string;
  /** Write a V8 CPU profile (node --cpu-prof) into this folder when the process exits. */
  cpuProfDir?: string;
  /** The checkout whose built apps to run (default: this one); `ab --b-root` compares two checkouts. */
  root?: string;
}

/** An app running as its own process: the built dist, as `npm run up` and the containers run it. */
export interface AppProcess {
  readonly name: AppName;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  cpuSeconds(): number;
  rssBytes(): number;
  /** SIGTERM (the app drains and exits, writing its CPU profile), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node apps/<name>/dist/main.js` with exactly the given ORDERBUS_*
 * environment on a free loopback port, and waits for `/healthz`.
 */
export async function startApp(name: AppName, env: Record<string, string>, options: StartAppOptions): Promise<AppProcess> {
  const main = appMain(name, options.root);
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run bench\` (it builds the apps first)`);
  const port = await freePort();
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ORDERBUS_')));
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const child = spawn(process.execPath, [...appNodeFlags(options.root ?? ROOT, name), ...nodeArgs, main], {
    env: { ...inherited, ...env, [PORT_VARIABLE[name]]: String(port), [HOST_VARIABLE[name]]: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        if (gone) throw new Error(`${name} exited during start-up; see ${options.logFile}`);
        return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `${name} to answer /healthz` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const pid = child.pid!;
  return {
    name,
    url,
    pid,
    child,
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => rssBytes(pid),
    async stop(graceMs = 10_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
