/**
 * Everything a run started (redis-servers, app processes, the receiver)
 * registers how to stop it here, so Ctrl-C, SIGTERM or a crash of the bench
 * stops them too instead of leaving them behind (a producer and worker left
 * running skew every later measurement on the machine).
 */
const stoppers = new Set<() => Promise<void>>();
let installed = false;

/** Registers a stop function; returns a function that unregisters it (call it after a normal stop). */
export function onInterrupt(stop: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => stopAllAndExit(signal, 130));
    }
    process.once('uncaughtException', (err) => {
      process.stderr.write(`\n[bench] ${err.stack ?? String(err)}\n`);
      stopAllAndExit('crash', 1);
    });
  }
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}

function stopAllAndExit(reason: string, code: number): void {
  process.stderr.write(`\n[bench] ${reason}: stopping what the run started\n`);
  const all = [...stoppers].map((s) => s().catch(() => undefined));
  const timer = setTimeout(() => process.exit(code), 15_000);
  void Promise.all(all).then(() => {
    clearTimeout(timer);
    process.exit(code);
  });
}
