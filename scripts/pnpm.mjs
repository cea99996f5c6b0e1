// Runs the pinned pnpm with the given arguments: `node scripts/pnpm.mjs add -w foo`.
import { pnpm } from './lib/tools.mjs';

try {
  pnpm(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
