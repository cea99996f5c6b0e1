import { createLogger } from '@orderbus/observability';
import { runMain, serve } from '@orderbus/http';
import { readProducerEnv } from './env';
import { createProducerRuntime } from './runtime';

runMain('producer', async () => {
  const env = readProducerEnv();
  const logger = createLogger({ service: 'producer', level: env.ORDERBUS_LOG_LEVEL });
  const runtime = createProducerRuntime(env, logger);
  await serve({
    name: 'producer',
    app: runtime.app,
    port: env.ORDERBUS_PRODUCER_PORT,
    host: env.ORDERBUS_PRODUCER_HOST,
    logger,
    stop: () => runtime.close(),
    fields: { mode: env.ORDERBUS_VALIDATION_MODE },
  });
});
