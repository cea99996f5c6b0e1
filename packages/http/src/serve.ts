import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '@orderbus/observability';
import { close, listen } from './listen';

export interface ServeOptions {
  /** The app's name in logs: producer, admin, worker. */
  name: string;
  app: Express;
  port: number;
  host: string;
  logger: Logger;
  /** Releases what the app holds (Redis, in-flight work) on SIGTERM/SIGINT. */
  stop: () => Promise<void>;
  /** Stop the work before closing HTTP (the worker: its HTTP is only probes and metrics). */
  stopBeforeHttp?: boolean;
  /** Extra fields for the "listening" log line. */
  fields?: Record<string, unknown>;
  /**
   * The longest a shutdown may take. Past it the process exits with code 1
   * rather than hang (for example on a Redis that is down: its commands wait
   * for a reconnect that does not come). Nothing is lost by it: unfinished
   * deliveries keep their jobs active until stalled recovery puts them back.
   */
  stopTimeoutMs?: number;
}

/** How long the producer and admin may take to answer their open requests and close (a worker sets its own, after its drain). */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * Serves an app until SIGTERM or SIGINT, then shuts down in order: no new
 * requests, open ones finish, the app's resources are released, exit 0.
 */
export async function serve(options: ServeOptions): Promise<Server> {
  const { logger } = options;
  const server = await listen(options.app, options.port, options.host);
  logger.info(`${options.name} listening`, { address: server.address(), ...options.fields });
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long: exiting', { stopTimeoutMs });
      process.exit(1);
    }, stopTimeoutMs);
    deadline.unref();
    try {
      if (options.stopBeforeHttp) {
        await options.stop();
        await close(server);
      } else {
        await close(server);
        await options.stop();
      }
      process.exit(0);
    } catch (err) {
      logger.error('shutdown failed', { err: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return server;
}

/** Runs an app's main function; a failure to start is printed plainly (e.g. a config error) with exit code 1. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
