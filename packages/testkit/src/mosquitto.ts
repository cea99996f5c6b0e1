import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { waitUntil } from './wait-until';

export interface MosquittoOptions {
  /** Users allowed to log in (then anonymous clients are refused); without it anyone may connect. */
  users?: Record<string, string>;
}

/** A Mosquitto broker of the test's own on a free loopback port. */
export interface TestMosquitto {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`. */
  readonly url: string;
  readonly process: ChildProcess | undefined;
  /** Stops it (SIGKILL by default); `start()` brings it back on the same port. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** Where Debian installs the broker (not always on a user's PATH). */
const MOSQUITTO_PATHS = ['mosquitto', '/usr/sbin/mosquitto'];

function mosquittoBinary(): string {
  for (const candidate of MOSQUITTO_PATHS) {
    if (spawnSync(candidate, ['-h'], { stdio: 'ignore' }).error === undefined) return candidate;
  }
  throw new Error('mosquitto is not installed: `npm test` installs it (apt-get install mosquitto)');
}

/**
 * Starts `mosquitto` on a free port of 127.0.0.1 for a test file (the
 * machine's own broker on 1883, if any, is never used): a config file of its
 * own, no persistence, optional password file.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestMosquitto> {
  const binary = mosquittoBinary();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'orderbus-mosquitto-'));
  const config = [`listener ${port} 127.0.0.1`, 'persistence false', `log_dest file ${join(dir, 'mosquitto.log')}`];
  // Started as root, mosquitto switches to the user "mosquitto", who cannot read a private temp folder: stay root.
  if (process.getuid?.() === 0) config.push('user root');
  if (options.users) {
    const passwords = join(dir, 'passwords');
    writeFileSync(passwords, '');
    for (const [user, password] of Object.entries(options.users)) {
      const made = spawnSync('mosquitto_passwd', ['-b', passwords, user, password], { stdio: 'ignore' });
      if (made.status !== 0) throw new Error(`mosquitto_passwd failed for ${user}`);
    }
    config.push('allow_anonymous false', `password_file ${passwords}`);
  } else {
    config.push('allow_anonymous true');
  }
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(binary, ['-c', configFile], { stdio: 'ignore' });
    const started = child;
    let exited = false;
    started.once('exit', () => {
      exited = true;
    });
    await waitUntil(
      async () => {
        if (exited) throw new Error(`mosquitto exited; see ${join(dir, 'mosquitto.log')}`);
        return new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        });
      },
      { timeoutMs: 15_000, intervalMs: 25, description: `mosquitto on port ${port}` },
    );
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    await exited;
    child = undefined;
  }

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get process() {
      return child;
    },
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
