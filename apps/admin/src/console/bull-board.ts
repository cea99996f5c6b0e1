import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { OrderbusError } from '@orderbus/core';
import type { SubscriptionStore } from '@orderbus/registry';
import type { SubscriptionQueues } from '../queues/subscription-queues';

export interface BullBoardDeps {
  store: SubscriptionStore;
  queues: SubscriptionQueues;
  /** Where it is mounted, e.g. `/queues`. */
  basePath: string;
}

/**
 * bull-board over every subscription queue, read-only: retries, removals and
 * pauses go through the admin API (and so its roles and audit log), not
 * around them. The queue list follows the registry: each request compares
 * the registry version (one GET) and reloads the list when it moved.
 * Anything but GET/HEAD is refused before bull-board sees it.
 */
export function bullBoard(deps: BullBoardDeps): RequestHandler[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(deps.basePath);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'orderbus queues', hideRedisDetails: false } },
  });
  let loadedVersion = -1;
  let loading: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    const { version, subscriptions } = await deps.store.list();
    board.replaceQueues(
      subscriptions.map(
        (s) =>
          new BullMQAdapter(deps.queues.of(s.baseCode), {
            readOnlyMode: true,
            allowRetries: false,
            displayName: s.baseCode,
            description: `${s.systemName ? `${s.systemName} — ` : ''}${s.status}, ${s.callbackUrl}`,
          }),
      ),
    );
    loadedVersion = version;
  };

  const readOnly = (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    next(new OrderbusError('forbidden', 'The queue board is read-only; act through the console or the admin API (/v1).'));
  };

  const current = async (_req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if ((await deps.store.version()) !== loadedVersion) {
      loading ??= refresh().finally(() => {
        loading = undefined;
      });
      await loading;
    }
    next();
  };

  return [readOnly, current, serverAdapter.getRouter() as RequestHandler];
}
