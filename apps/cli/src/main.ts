#!/usr/bin/env node
import { processIo } from './io';
import { runCli } from './program';

// Ctrl-C stops `tail` cleanly (exit 0); a second Ctrl-C ends at once.
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

runCli(process.argv.slice(2), processIo(controller.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`orderbus: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
