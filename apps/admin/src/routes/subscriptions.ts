import { Router } from 'express';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { SubscriptionStore } from '@orderbus/registry';
import { deleteOrderLines, subscriptionQueueName } from '@orderbus/queues';
import { pathParam } from '@orderbus/http';
import { actorOf, requireOperator } from '../roles';
import { pageQuery, paginate } from '../pagination';
import { filterSubscriptions, parseSubscriptionFilter, UNKNOWN_HEALTH, type HealthLookup } from './subscription-filters';

export interface SubscriptionRoutesDeps {
  store: SubscriptionStore;
  redis: Redis | Cluster;
  prefix: string;
  /** Health states for `?health=` (default: every subscription `unknown`). */
  health?: HealthLookup;
  /** Told of every new subscription (status history). */
  onCreated?: (baseCode: string, by: string) => Promise<void>;
}

/** Subscription registration and lifecycle: `/v1/subscriptions`. */
export function subscriptionRoutes(deps: SubscriptionRoutesDeps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const filter = parseSubscriptionFilter(req.query);
    const page = pageQuery(req.query);
    const { subscriptions } = await deps.store.list();
    const filtered = await filterSubscriptions(subscriptions, filter, deps.health ?? UNKNOWN_HEALTH);
    res.json(paginate(filtered, (s) => s.baseCode, page));
  });

  router.get('/:baseCode', async (req, res) => {
    res.json(await deps.store.require(pathParam(req, 'baseCode')));
  });

  router.put('/:baseCode', requireOperator(), async (req, res) => {
    const result = await deps.store.put(pathParam(req, 'baseCode'), req.body);
    if (result.created) {
      await deps.onCreated?.(result.subscription.baseCode, actorOf(res.locals));
      // The secret is shown once, now; it is never listed again.
      res.status(201).json({ ...result.subscription, signingSecret: result.secret });
    } else {
      res.status(200).json(result.subscription);
    }
  });

  router.delete('/:baseCode', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    await deps.store.delete(baseCode);
    const queue = new Queue(subscriptionQueueName(baseCode), { connection: deps.redis, prefix: deps.prefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
    // The lines of the jobs just removed (BullMQ does not know them).
    await deleteOrderLines(deps.redis, deps.prefix, baseCode);
    res.status(204).end();
  });

  return router;
}
