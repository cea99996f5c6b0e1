import { Router } from 'express';
import { OrderbusError } from '@orderbus/core';
import type { SubscriptionStore } from '@orderbus/registry';
import { pathParam } from '@orderbus/http';
import { requireOperator } from '../roles';

/** How long the previous secret keeps signing after a rotation, unless the request says otherwise. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 24 * 3600;
const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 3600;

export interface SigningSecretRoutesDeps {
  store: SubscriptionStore;
}

/**
 * `POST /v1/subscriptions/:baseCode/rotate-secret` `{graceSeconds?}` ->
 * `{signingSecret, previousSecretExpiresAt}`: a new secret, shown only in
 * this answer; until the previous one expires deliveries carry both signatures.
 */
export function signingSecretRoutes(deps: SigningSecretRoutesDeps): Router {
  const router = Router();

  router.post('/:baseCode/rotate-secret', requireOperator(), async (req, res) => {
    const baseCode = pathParam(req, 'baseCode');
    const grace = (req.body as { graceSeconds?: unknown } | undefined)?.graceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > MAX_ROTATION_GRACE_SECONDS) {
      throw new OrderbusError('bad_request', `graceSeconds must be an integer from 0 to ${MAX_ROTATION_GRACE_SECONDS}.`);
    }
    res.json(await deps.store.rotateSecret(baseCode, grace));
  });

  return router;
}
