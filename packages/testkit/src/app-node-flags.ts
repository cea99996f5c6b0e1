import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags an app is run with: `orderbus.nodeFlags` in
 * `apps/<app>/package.json` (for example a larger V8 young generation for the
 * producer and worker), which the Dockerfile, `npm run up`, the e2e tests and
 * the bench all pass, so every launch runs the app the same way.
 */
export function appNodeFlags(repoRoot: string, app: string): string[] {
  const manifest = join(repoRoot, 'apps', app, 'package.json');
  if (!existsSync(manifest)) return [];
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { orderbus?: { nodeFlags?: unknown } };
  const flags = parsed.orderbus?.nodeFlags;
  return Array.isArray(flags) ? flags.map(String) : [];
}
