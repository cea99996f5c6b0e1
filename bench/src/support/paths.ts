import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(from: string): string {
  let dir = from;
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`no pnpm-workspace.yaml above ${from}`);
}

/** The repository root. */
export const ROOT = findRoot(__dirname);

/** Where runs write their JSON, charts, logs and profiles (gitignored). */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** The built entry point of an app (`npm run bench` builds it first). */
export function appMain(name: string, root: string = ROOT): string {
  return join(root, 'apps', name, 'dist', 'main.js');
}

/** A compiled script of the bench itself (dist/<relative>). */
export function benchScript(relative: string): string {
  return join(ROOT, 'bench', 'dist', relative);
}
