import { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { SubscriptionStore } from '@orderbus/registry';
import { wakeChannel } from '@orderbus/queues';
import { pathParam } from '@orderbus/http';
import { requireOperator } from '../roles';
import type { SubscriptionQueues } from '../queues/subscription-queues';

export interface QueueRoutesDeps {
  store: SubscriptionStore;
  queues: SubscriptionQueues;
  redis: Redis | Cluster;
  prefix: string;
}

/**
 * A subscription's queue: `GET /v1/subscriptions/:baseCode/queue` (counts,
 * paused, age of the oldest waiting job) and `POST .../pause`, `.../resume`
 * (BullMQ's queue pause: deliveries in flight finish, nothing new is claimed;
 * events keep being queued).
 */
export function queueRoutes(deps: QueueRoutesDeps): Router {
  const router = Router();

  router.get('/:baseCode/queue', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    res.json(await deps.queues.stats(baseCode));
  });

  router.post('/:baseCode/pause', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    await deps.queues.of(baseCode).pause();
    res.json(await deps.queues.stats(baseCode));
  });

  router.post('/:baseCode/resume', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    await deps.queues.of(baseCode).resume();
    // Wake the workers now rather than at their next sweep.
    await deps.redis.publish(wakeChannel(deps.prefix), baseCode);
    res.json(await deps.queues.stats(baseCode));
  });

  return router;
}
