// Bootstrap helpers shared by the root scripts (`npm run up`, `npm test`, `npm run bench`).
// They run on a machine that has only node and npm: pnpm, the workspace
// dependencies, the build and redis-server are brought in here when missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PNPM_VERSION = '10.34.8';
const toolsDir = join(root, '.tools');
const pnpmBin = join(toolsDir, 'node_modules', '.bin', 'pnpm');

/**
 * The Node flags an app runs with: `orderbus.nodeFlags` in apps/<app>/package.json
 * (the same list the Dockerfile, the e2e tests and the bench pass).
 */
export function appNodeFlags(app) {
  const manifest = join(root, 'apps', app, 'package.json');
  if (!existsSync(manifest)) return [];
  const flags = JSON.parse(readFileSync(manifest, 'utf8')).orderbus?.nodeFlags;
  return Array.isArray(flags) ? flags.map(String) : [];
}

export function log(message) {
  process.stderr.write(`[orderbus] ${message}\n`);
}

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** A pnpm of the pinned major, installed into .tools/ (corepack is not relied on). */
export function ensurePnpm() {
  if (!existsSync(pnpmBin)) {
    log(`installing pnpm@${PNPM_VERSION} into .tools/`);
    mkdirSync(toolsDir, { recursive: true });
    run('npm', ['install', '--prefix', toolsDir, '--no-save', '--no-package-lock', `pnpm@${PNPM_VERSION}`]);
  }
  return pnpmBin;
}

/** Runs pnpm with .tools/ on the PATH (turbo looks pnpm up there). */
export function pnpm(args, opts = {}) {
  const bin = ensurePnpm();
  const env = { ...process.env, ...(opts.env ?? {}), PATH: `${dirname(bin)}:${process.env.PATH ?? ''}` };
  run(bin, args, { ...opts, env });
}

/** Installs the workspace dependencies when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (stale) {
    log('installing dependencies (pnpm install --frozen-lockfile)');
    pnpm(['install', '--frozen-lockfile', '--prefer-offline']);
  }
}

/** Builds every package and app (turbo caches what did not change). */
export function build() {
  log('building');
  pnpm(['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
}

/** Makes sure redis-server is on the PATH, installing Debian's package when it is not. */
export function ensureRedisServer() {
  if (has('redis-server')) return;
  log('redis-server not found: installing it with apt-get');
  installDebian(['redis-server']);
  // Debian's package starts a system service on 6379; orderbus runs its own instance.
  spawnSync('sh', ['-c', 'service redis-server stop >/dev/null 2>&1 || true']);
}

/** Makes sure the Mosquitto MQTT broker is installed (the MQTT channel's tests start their own), installing Debian's package when it is not. */
export function ensureMosquitto() {
  if (has('mosquitto') || existsSync('/usr/sbin/mosquitto')) return;
  log('mosquitto not found: installing it with apt-get (the MQTT channel tests)');
  installDebian(['mosquitto']);
  // Debian's package starts a system broker on 1883; the tests run their own on free ports.
  spawnSync('sh', ['-c', 'service mosquitto stop >/dev/null 2>&1 || true']);
}

/** The browser the console's end-to-end tests drive (playwright-core, no downloaded browser build). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** A CJK font, so the console's screenshots show Chinese system names rather than boxes. */
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';

/** Makes sure Debian's Chromium (at CHROMIUM_PATH) and a CJK font are installed, installing what is missing. */
export function ensureChromium() {
  const missing = [...(existsSync(CHROMIUM_PATH) ? [] : ['chromium']), ...(existsSync(CJK_FONT) ? [] : ['fonts-wqy-zenhei'])];
  if (missing.length === 0) return;
  log(`${missing.join(' and ')} not found: installing with apt-get (the console's browser tests)`);
  installDebian(missing);
}

/** Installs Debian packages (the machines run as root; sudo is used when not). */
export function installDebian(packages) {
  const sudo = process.getuid && process.getuid() !== 0 && has('sudo') ? ['sudo'] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    run(cmd, rest, { env });
  };
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

export function commandExists(cmd) {
  return has(cmd);
}

export function nodeBin() {
  return process.execPath;
}

export { execFileSync };
