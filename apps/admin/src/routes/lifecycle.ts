import { Router } from 'express';
import { OrderbusError } from '@orderbus/core';
import { pathParam } from '@orderbus/http';
import type { HealthStore, SubscriptionLifecycle } from '@orderbus/lifecycle';
import type { RegistrationCredentials, SubscriptionStore } from '@orderbus/registry';
import { actorOf, requireOperator } from '../roles';

export interface LifecycleRoutesDeps {
  store: SubscriptionStore;
  lifecycle: SubscriptionLifecycle;
  health: HealthStore;
  credentials: RegistrationCredentials;
}

const HOUR_MS = 3_600_000;

/**
 * The lifecycle of a subscription: enable (after a connect handshake),
 * disable, its health and health history, its status history, and the
 * registration credential of its owner.
 */
export function lifecycleRoutes(deps: LifecycleRoutesDeps): Router {
  const router = Router();

  router.post('/:baseCode/enable', requireOperator(), async (req, res) => {
    const body = (req.body ?? {}) as { reason?: unknown; discardBacklog?: unknown };
    if (body.discardBacklog !== undefined && typeof body.discardBacklog !== 'boolean') {
      throw new OrderbusError('bad_request', 'discardBacklog must be true or false.');
    }
    const { subscription, handshake } = await deps.lifecycle.enable(pathParam(req, 'baseCode'), {
      by: actorOf(res.locals),
      ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
      discardBacklog: body.discardBacklog === true,
    });
    res.json({ ...subscription, handshake });
  });

  router.post('/:baseCode/disable', requireOperator(), async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
    res.json(await deps.lifecycle.disable(pathParam(req, 'baseCode'), { by: actorOf(res.locals), ...(reason ? { reason } : {}) }));
  });

  router.get('/:baseCode/health', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    res.json(await deps.health.summary(baseCode));
  });

  router.get('/:baseCode/health/history', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    const sinceParam = req.query.since;
    const since = typeof sinceParam === 'string' ? Date.parse(sinceParam) : Date.now() - 6 * HOUR_MS;
    if (Number.isNaN(since)) throw new OrderbusError('bad_request', 'since must be an ISO 8601 time.');
    res.json({ items: await deps.health.history(baseCode, since) });
  });

  router.get('/:baseCode/status-history', async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    await deps.store.require(baseCode);
    res.json({ items: await deps.lifecycle.history(baseCode) });
  });

  router.post('/:baseCode/credentials', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    // Issued before or after the subscription exists: the owner may register it itself.
    const issued = await deps.credentials.issue(baseCode);
    res.status(201).json({ baseCode, ...issued });
  });

  router.delete('/:baseCode/credentials', requireOperator(), async (req, res) => {
    await deps.credentials.revokeAll(pathParam(req, 'baseCode'));
    res.status(204).end();
  });

  return router;
}
