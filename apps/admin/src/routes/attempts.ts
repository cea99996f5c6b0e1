import { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import { AttemptHistory } from '@orderbus/attempts';
import { DEFAULT_DELIVERY_POLICY } from '@orderbus/delivery';
import type { SubscriptionStore } from '@orderbus/registry';
import { pathParam } from '@orderbus/http';
import { pageQuery } from '../pagination';

export interface AttemptRoutesDeps {
  store: SubscriptionStore;
  redis: Redis | Cluster;
  prefix: string;
}

/** A subscription's delivery attempts, newest first: `GET /v1/subscriptions/:baseCode/attempts?limit=&after=`. */
export function attemptRoutes(deps: AttemptRoutesDeps): Router {
  const router = Router();
  // Only reads here: the retention numbers matter to the worker that writes.
  const history = new AttemptHistory(deps.redis, deps.prefix, DEFAULT_DELIVERY_POLICY.retention);

  router.get('/:baseCode/attempts', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    const page = pageQuery(req.query);
    await deps.store.require(baseCode);
    res.json(await history.recent(baseCode, page));
  });

  return router;
}
