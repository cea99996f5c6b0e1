import type { Express } from 'express';
import type { TokenEntry } from '@orderbus/http';
import type { SubscriptionStore } from '@orderbus/registry';
import { openApiDocument } from '../openapi/document';
import type { SubscriptionQueues } from '../queues/subscription-queues';
import { bullBoard } from './bull-board';
import { consoleSessionRoutes, requireConsoleSession } from './session';
import { consoleStatic } from './static';

export interface ConsoleDeps {
  store: SubscriptionStore;
  queues: SubscriptionQueues;
  adminTokens: readonly TokenEntry[];
  /** The built console (`vite build` output). */
  consoleDir: string;
}

/**
 * Everything of the admin app that is not the `/v1` API: the OpenAPI
 * document (no auth), the web console (`/console/`, `/` redirects there), its
 * login, and bull-board at `/queues` behind the console session.
 */
export function mountConsole(app: Express, deps: ConsoleDeps): void {
  const document = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/console', consoleSessionRoutes(deps.adminTokens));
  app.use(consoleStatic(deps.consoleDir));
  app.use('/queues', requireConsoleSession(deps.adminTokens, '/console/'), ...bullBoard({ store: deps.store, queues: deps.queues, basePath: '/queues' }));
}
