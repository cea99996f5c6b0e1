// `npm run bench [-- --quick] [-- --only <scenario>]`: installs what is missing
// (pnpm, dependencies, redis-server, a font for the charts), builds the apps and
// the bench (turbo, only what the bench needs), then runs bench/dist/main.js.
// Results: bench/results/<timestamp>.json and .md, charts in bench/results/<timestamp>/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { commandExists, ensureDependencies, ensurePnpm, ensureRedisServer, installDebian, log, pnpm, root } from './lib/tools.mjs';

ensurePnpm();
ensureDependencies();
log('building the apps and the bench');
pnpm(['exec', 'turbo', 'run', 'build', '--filter=@orderbus/bench...', '--output-logs=errors-only']);
ensureRedisServer();
if (!commandExists('redis-benchmark')) installDebian(['redis-tools']);
ensureChartFont();

const run = spawnSync(process.execPath, [join(root, 'bench', 'dist', 'main.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);

/** The charts' text needs one TrueType font (resvg reads the system fonts): DejaVu from Debian when there is none. */
function ensureChartFont() {
  const dirs = ['/usr/share/fonts', '/usr/local/share/fonts'];
  const hasFont = (dir) => {
    if (!existsSync(dir)) return false;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() ? hasFont(join(dir, entry.name)) : /\.(ttf|otf|ttc)$/i.test(entry.name)) return true;
    }
    return false;
  };
  if (dirs.some(hasFont)) return;
  log('no font found for the charts: installing fonts-dejavu-core with apt-get');
  installDebian(['fonts-dejavu-core']);
}
