import { Router } from 'express';
import { OrderbusError } from '@orderbus/core';
import type { SubscriptionStore } from '@orderbus/registry';
import { deliveryStats } from '../queues/delivery-stats';
import type { SubscriptionQueues } from '../queues/subscription-queues';

export interface StatsRoutesDeps {
  store: SubscriptionStore;
  queues: SubscriptionQueues;
}

const MAX_MINUTES = 180;

/**
 * `GET /v1/stats/deliveries?minutes=&baseCode=`: deliveries and dead letters
 * per minute with latency quantiles, and the backlog now, over every
 * subscription or one. The console's live view polls it.
 */
export function statsRoutes(deps: StatsRoutesDeps): Router {
  const router = Router();
  router.get('/deliveries', async (req, res) => {
    const minutes = req.query.minutes === undefined ? 15 : Number(req.query.minutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) {
      throw new OrderbusError('bad_request', `minutes must be an integer from 1 to ${MAX_MINUTES}.`);
    }
    const baseCode = req.query.baseCode;
    let baseCodes: string[];
    if (baseCode === undefined) {
      baseCodes = (await deps.store.list()).subscriptions.map((s) => s.baseCode);
    } else if (typeof baseCode === 'string' && baseCode.length > 0) {
      baseCodes = [(await deps.store.require(baseCode)).baseCode];
    } else {
      throw new OrderbusError('bad_request', 'baseCode must be a single baseCode.');
    }
    res.json(await deliveryStats(deps.queues, baseCodes, minutes));
  });
  return router;
}
