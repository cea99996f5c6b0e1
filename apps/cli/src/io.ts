/** Where a command reads its environment and writes its output; the binary passes the process's, tests their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  /** Read by `send -`. */
  stdin?: NodeJS.ReadableStream;
  /** Aborted on Ctrl-C: `tail` stops and exits 0. */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin, ...(signal ? { signal } : {}) };
}
