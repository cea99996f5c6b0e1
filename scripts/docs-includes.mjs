#!/usr/bin/env node
// The guides quote their examples whole: a fenced block right after
// `<!-- include: <path> -->` holds the file at <path> (relative to the guide).
// The examples are what e2e/docs-examples.test.ts runs; this keeps the quotes
// equal to them.
//
//   node scripts/docs-includes.mjs           rewrite every quoted block from its file
//   node scripts/docs-includes.mjs --check   exit 1 if a quote differs from its file
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const guides = join(root, 'docs', 'guides');
const INCLUDE = /<!-- include: (\S+) -->\n```([\w-]*)\n((?:[^`][\s\S]*?)?)\n?```(?=\n|$)/g;

export function syncIncludes(text, baseDir) {
  const stale = [];
  const out = text.replace(INCLUDE, (_all, path, lang, quoted) => {
    const content = readFileSync(join(baseDir, path), 'utf8').replace(/\n+$/, '');
    if (content !== quoted) stale.push(path);
    return `<!-- include: ${path} -->\n\`\`\`${lang}\n${content}\n\`\`\``;
  });
  return { text: out, stale };
}

const check = process.argv.includes('--check');
let failed = false;
for (const name of readdirSync(guides).filter((f) => f.endsWith('.md'))) {
  const file = join(guides, name);
  const { text, stale } = syncIncludes(readFileSync(file, 'utf8'), guides);
  if (stale.length === 0) continue;
  if (check) {
    failed = true;
    process.stderr.write(`${relative(root, file)} quotes an old version of ${stale.join(', ')}: run node scripts/docs-includes.mjs\n`);
  } else {
    writeFileSync(file, text);
    process.stdout.write(`updated ${relative(root, file)} (${stale.join(', ')})\n`);
  }
}
process.exit(failed ? 1 : 0);
