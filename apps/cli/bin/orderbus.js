#!/usr/bin/env node
// The `orderbus` command: runs the built CLI (npm run build, or npm test, builds dist/).
try {
  require.resolve('../dist/main.js');
} catch {
  process.stderr.write('orderbus: apps/cli/dist is missing: build first (npm run build)\n');
  process.exit(2);
}
require('../dist/main.js');
