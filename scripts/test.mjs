// `npm test`: installs what is missing, builds (process-level tests run the
// built apps), runs every jest test, and ends with a plain line
// "N passed, N failed" counted from jest's JSON output.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureChromium, ensureDependencies, ensureMosquitto, ensurePnpm, ensureRedisServer, log, root } from './lib/tools.mjs';

ensurePnpm();
ensureDependencies();
build();
ensureRedisServer();
ensureMosquitto();
ensureChromium();

const resultsDir = join(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, 'jest.json');
rmSync(resultsFile, { force: true });

const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
log('running jest');
const run = spawnSync(process.execPath, [jest, '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ORDERBUS_TEST: '1' },
});

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
} else {
  failed = 1;
}
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
