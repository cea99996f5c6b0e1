import { createLogger } from '@orderbus/observability';
import { runMain, serve } from '@orderbus/http';
import { readAdminEnv } from './env';
import { createAdminRuntime } from './runtime';

runMain('admin', async () => {
  const env = readAdminEnv();
  const logger = createLogger({ service: 'admin', level: env.ORDERBUS_LOG_LEVEL });
  const runtime = createAdminRuntime(env, logger);
  await serve({ name: 'admin', app: runtime.app, port: env.ORDERBUS_ADMIN_PORT, host: env.ORDERBUS_ADMIN_HOST, logger, stop: () => runtime.close() });
});
