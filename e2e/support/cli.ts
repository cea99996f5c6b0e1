import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../apps/cli/src/program';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built `orderbus` binary (npm test builds it; so does `npm run build`). */
export const ORDERBUS_BIN = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'orderbus.js');

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Runs `orderbus <args>` in-process (the same command functions the binary runs). */
export async function orderbus(args: string[], env: Record<string, string> = {}, signal?: AbortSignal): Promise<CliRun> {
  const out = collector();
  const err = collector();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream, env, ...(signal ? { signal } : {}) });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A running `orderbus` process. */
export interface CliProcess {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();

/** Kills what spawnOrderbus started and is still running (a test that failed half-way). */
export function stopOrderbusProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Starts the real binary as a process (no ORDERBUS_* variables of the test process leak in). */
export function spawnOrderbus(args: string[], env: Record<string, string> = {}, stdin?: string): CliProcess {
  if (!existsSync(join(__dirname, '..', '..', 'apps', 'cli', 'dist', 'main.js'))) {
    throw new Error('apps/cli/dist is missing: build first (npm test and npm run build do)');
  }
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ORDERBUS_')));
  const child = spawn(process.execPath, [ORDERBUS_BIN, ...args], { env: { ...inherited, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  if (stdin !== undefined) child.stdin.end(stdin);
  else child.stdin.end();
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { stdout: () => stdout, stderr: () => stderr, exited, kill: (s) => child.kill(s) };
}

/** Runs the real binary to its end. */
export async function runOrderbusBinary(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<CliRun> {
  const child = spawnOrderbus(args, env, stdin);
  const code = await child.exited;
  return { code: code ?? -1, stdout: child.stdout(), stderr: child.stderr() };
}
