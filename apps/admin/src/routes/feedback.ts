import { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import { ReceiverFeedback } from '@orderbus/attempts';
import type { SubscriptionStore } from '@orderbus/registry';
import { pathParam } from '@orderbus/http';
import { pageQuery } from '../pagination';

export interface FeedbackRoutesDeps {
  store: SubscriptionStore;
  redis: Redis | Cluster;
  prefix: string;
}

/**
 * `GET /v1/subscriptions/:baseCode/feedback?limit=`: the errors the
 * subscription's receiver reported about events it had accepted, newest
 * first (`{items}`; the last 200 are kept, for 7 days after the last one).
 */
export function feedbackRoutes(deps: FeedbackRoutesDeps): Router {
  const router = Router();
  const feedback = new ReceiverFeedback(deps.redis, deps.prefix);

  router.get('/:baseCode/feedback', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    const page = pageQuery(req.query);
    res.json({ items: await feedback.recent(baseCode, page.limit) });
  });

  return router;
}
