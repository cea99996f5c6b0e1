// `npm run soak [-- --minutes N] [-- --rate EVENTS_PER_SECOND]`: installs what is missing
// (pnpm, dependencies, redis-server, a font for the chart), builds the apps, then runs the
// soak (bench/soak/soak.mjs): a steady load through the whole bus as processes with a flaky
// receiver, sampling memory and connections. Results in bench/results/soak-<timestamp>/ (report.md, samples.json, soak.png).
// Default 10 minutes; bounded to 120. Exit code 1 when an event was lost or a figure grew.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, ensurePnpm, ensureRedisServer, installDebian, log, pnpm, root } from './lib/tools.mjs';

ensurePnpm();
ensureDependencies();
log('building the apps and the soak');
pnpm(['exec', 'turbo', 'run', 'build', '--filter=@orderbus/bench...', '--output-logs=errors-only']);
ensureRedisServer();
ensureChartFont();

const run = spawnSync(process.execPath, [join(root, 'bench', 'soak', 'soak.mjs'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);

/** The chart's text needs one TrueType font (resvg reads the system fonts): DejaVu from Debian when there is none. */
function ensureChartFont() {
  const hasFont = (dir) => {
    if (!existsSync(dir)) return false;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() ? hasFont(join(dir, entry.name)) : /\.(ttf|otf|ttc)$/i.test(entry.name)) return true;
    }
    return false;
  };
  if (['/usr/share/fonts', '/usr/local/share/fonts'].some(hasFont)) return;
  log('no font found for the chart: installing fonts-dejavu-core with apt-get');
  installDebian(['fonts-dejavu-core']);
}
