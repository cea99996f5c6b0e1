import express, { type Express } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Logger, Metrics } from '@orderbus/observability';
import { errorHandler, jsonBody, notFound, probes, requestId, type TokenEntry } from '@orderbus/http';
import { SubscriptionStore } from '@orderbus/registry';
import { subscriptionRoutes } from './routes/subscriptions';
import { lifecycleRoutes } from './routes/lifecycle';
import { adminOrOwnerAuth, ownerScope } from './owner-access';
import type { AdminLifecycle } from './lifecycle-wiring';
import { AuditLog } from './audit/audit-log';
import { auditTrail } from './audit/audit-trail';
import { mountConsole } from './console';
import { DEFAULT_CONSOLE_DIR } from './console/static';
import { registerAdminGauges } from './metrics/admin-gauges';
import { SubscriptionQueues } from './queues/subscription-queues';
import { auditRoutes } from './routes/audit';
import { queueRoutes } from './routes/queues';
import { statsRoutes } from './routes/stats';
import { attemptRoutes } from './routes/attempts';
import { deadLetterRoutes } from './routes/dead-letters';
import { eventRoutes } from './routes/events';
import { feedbackRoutes } from './routes/feedback';
import { WorkOrderIndex } from '@orderbus/ingest';
import { signingSecretRoutes } from './routes/signing-secrets';

export interface AdminAppDeps {
  /** Enable with handshake, disable, health, owner credentials. */
  lifecycle: AdminLifecycle;
  redis: Redis | Cluster;
  prefix: string;
  adminTokens: readonly TokenEntry[];
  logger: Logger;
  metrics: Metrics;
  ready: () => Promise<boolean>;
  /** Refuses callback URLs at registration (the SSRF guard): resolves with the reason, or undefined. */
  checkCallbackUrl?: (url: string) => Promise<string | undefined>;
  /** The same check for MQTT broker URLs (same guard, same allowlist). */
  checkBrokerUrl?: (url: string) => Promise<string | undefined>;
  /** The built web console (default apps/admin/dist/web). */
  consoleDir?: string;
  /** Entries the audit log keeps (default 10000). */
  auditMaxEntries?: number;
}

/** The admin API: subscription registration and operations. */
export function createAdminApp(deps: AdminAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestId());
  app.use(probes({ ready: deps.ready, registry: deps.metrics.registry }));
  const registry = new SubscriptionStore(deps.redis, deps.prefix, undefined, {
    ...(deps.checkCallbackUrl ? { checkCallbackUrl: deps.checkCallbackUrl } : {}),
    ...(deps.checkBrokerUrl ? { checkBrokerUrl: deps.checkBrokerUrl } : {}),
  });
  // One set of queue handles for every route of the admin.
  const queues = new SubscriptionQueues(deps.redis, deps.prefix);
  const auditLog = new AuditLog(deps.redis, deps.prefix, deps.auditMaxEntries ?? 10_000);
  registerAdminGauges(deps.metrics.registry, { store: registry, queues, logger: deps.logger });
  mountConsole(app, { store: registry, queues, adminTokens: deps.adminTokens, consoleDir: deps.consoleDir ?? DEFAULT_CONSOLE_DIR });

  const api = express.Router();
  api.use(adminOrOwnerAuth(deps.adminTokens, deps.lifecycle.credentials));
  // Before the owner scope: an owner refused outside its baseCode is recorded too.
  api.use(auditTrail(auditLog, deps.logger));
  api.use(ownerScope());
  api.use(jsonBody('256kb'));
  api.use(
    '/subscriptions',
    subscriptionRoutes({
      store: registry,
      redis: deps.redis,
      prefix: deps.prefix,
      health: (baseCodes) => deps.lifecycle.health.states(baseCodes),
      onCreated: (baseCode, by) => deps.lifecycle.lifecycle.created(baseCode, by),
    }),
  );
  api.use('/subscriptions', lifecycleRoutes({ store: registry, ...deps.lifecycle }));
  api.use('/subscriptions', queueRoutes({ store: registry, queues, redis: deps.redis, prefix: deps.prefix }));
  api.use('/subscriptions', attemptRoutes({ store: registry, redis: deps.redis, prefix: deps.prefix }));
  api.use('/subscriptions', deadLetterRoutes({ store: registry, handles: queues }));
  api.use('/subscriptions', signingSecretRoutes({ store: registry }));
  api.use('/subscriptions', feedbackRoutes({ store: registry, redis: deps.redis, prefix: deps.prefix }));
  api.use(
    '/events',
    eventRoutes({
      store: registry,
      redis: deps.redis,
      prefix: deps.prefix,
      handles: queues,
      workOrders: new WorkOrderIndex(deps.redis, deps.prefix),
      receiverErrors: deps.lifecycle.receiverErrors,
      metrics: deps.metrics,
    }),
  );
  api.use('/audit', auditRoutes(auditLog));
  api.use('/stats', statsRoutes({ store: registry, queues }));
  app.use('/v1', api);

  app.use(notFound());
  app.use(errorHandler(deps.logger));
  return app;
}
