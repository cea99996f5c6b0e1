import { Router } from 'express';
import { DeadLetters } from '@orderbus/attempts';
import type { SubscriptionQueueHandles } from '@orderbus/queues';
import { OrderbusError } from '@orderbus/core';
import type { SubscriptionStore } from '@orderbus/registry';
import { pathParam } from '@orderbus/http';
import { requireOperator } from '../roles';
import { pageQuery } from '../pagination';

export interface DeadLetterRoutesDeps {
  store: SubscriptionStore;
  handles: SubscriptionQueueHandles;
}

/**
 * A subscription's dead letters (events that used up their retries or failed
 * for good): list (viewer), replay one or all, discard (operator).
 */
export function deadLetterRoutes(deps: DeadLetterRoutesDeps): Router {
  const router = Router();
  const deadLetters = new DeadLetters(deps.handles);

  router.get('/:baseCode/dead-letters', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    const page = pageQuery(req.query);
    await deps.store.require(baseCode);
    res.json(await deadLetters.list(baseCode, page));
  });

  // Replays every dead letter, or those that failed at or after `since`.
  router.post('/:baseCode/dead-letters/replay', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    const since = sinceOf(req.body);
    await deps.store.require(baseCode);
    res.status(202).json({ replayed: await deadLetters.replayAll(baseCode, since) });
  });

  // Safe to call twice: an event already back in the queue or delivered answers `replayed: false`.
  router.post('/:baseCode/dead-letters/:eventId/replay', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    res.status(202).json({ replayed: await deadLetters.replay(baseCode, pathParam(req, 'eventId')) });
  });

  router.delete('/:baseCode/dead-letters/:eventId', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    await deadLetters.discard(baseCode, pathParam(req, 'eventId'));
    res.status(204).end();
  });

  return router;
}

function sinceOf(body: unknown): number | undefined {
  const since = (body as { since?: unknown } | undefined)?.since;
  if (since === undefined) return undefined;
  const at = typeof since === 'string' ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(at)) throw new OrderbusError('bad_request', 'since must be an ISO 8601 time, e.g. 2025-01-31T08:00:00Z.');
  return at;
}
