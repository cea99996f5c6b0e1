/**
 * Everything a run started (redis-servers, app processes, the receiver)
 * registers how to stop it here, so Ctrl-C or SIGTERM of the bench stops
 * them too instead of leaving them behind.
 */
const stoppers = new Set<() => Promise<void>>();
let installed = false;

/** Registers a stop function; returns a function that unregisters it (call it after a normal stop). */
export function onInterrupt(stop: () => Promise<void>): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n[bench] ${signal}: stopping what the run started\n`);
        const all = [...stoppers].map((s) => s().catch(() => undefined));
        const timer = setTimeout(() => process.exit(130), 15_000);
        void Promise.all(all).then(() => {
          clearTimeout(timer);
          process.exit(130);
        });
      });
    }
  }
  stoppers.add(stop);
  return () => stoppers.delete(stop);
}
