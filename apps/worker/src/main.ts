import express from 'express';
import { createLogger } from '@orderbus/observability';
import { errorHandler, probes, runMain, serve } from '@orderbus/http';
import { readWorkerEnv } from './env';
import { createWorkerRuntime } from './runtime';

/** After the drain: time to close the connections, the SMTP outbox and the timers. */
const SHUTDOWN_GRACE_MS = 5000;

runMain('worker', async () => {
  const env = readWorkerEnv();
  const logger = createLogger({ service: 'worker', level: env.ORDERBUS_LOG_LEVEL });
  const runtime = createWorkerRuntime(env, logger);
  await runtime.start();

  // The worker's HTTP is only probes and metrics.
  const app = express();
  app.use(probes({ ready: async () => runtime.redis.status === 'ready', registry: runtime.metrics.registry }));
  app.use(errorHandler(logger));
  await serve({
    name: 'worker',
    app,
    port: env.ORDERBUS_WORKER_PORT,
    host: env.ORDERBUS_WORKER_HOST,
    logger,
    // Finish (or release) in-flight deliveries first; the probes answer meanwhile.
    stopBeforeHttp: true,
    stop: () => runtime.close(),
    stopTimeoutMs: env.ORDERBUS_DRAIN_TIMEOUT_MS + SHUTDOWN_GRACE_MS,
    fields: { workerId: runtime.dispatcher.workerId },
  });
});
