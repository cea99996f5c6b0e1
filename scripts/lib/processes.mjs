// Background processes of the local stack (`npm run up` / `npm run down`),
// tracked by pid files under .data/pids.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './tools.mjs';

export const dataDir = join(root, '.data');
const pidDir = join(dataDir, 'pids');
export const logDir = join(dataDir, 'logs');

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readPid(name) {
  const file = join(pidDir, `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

export async function stop(name, signal = 'SIGTERM') {
  const pid = readPid(name);
  if (pid) {
    process.kill(pid, signal);
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(join(pidDir, `${name}.pid`), { force: true });
}

/** Starts a detached process whose output goes to .data/logs/<name>.log. */
export function startDetached(name, command, args, env) {
  mkdirSync(pidDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(join(pidDir, `${name}.pid`), String(child.pid));
  return { pid: child.pid, logFile };
}

export async function waitForHttp(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
