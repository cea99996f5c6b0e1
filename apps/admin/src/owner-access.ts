import type { NextFunction, Request, Response } from 'express';
import { OrderbusError } from '@orderbus/core';
import { bearerToken, createTokenMatcher, type Principal, type TokenEntry } from '@orderbus/http';
import type { RegistrationCredentials } from '@orderbus/registry';

/** A subscriber system acting on its own baseCode with a registration credential. */
export interface OwnerPrincipal extends Principal {
  role: 'owner';
  baseCode: string;
}

export function isOwner(principal: Principal | undefined): principal is OwnerPrincipal {
  return principal?.role === 'owner';
}

/**
 * Authenticates an admin token (viewer/operator) or a registration
 * credential (`obr_<baseCode>.<secret>`, role owner). Missing or wrong: 401.
 */
export function adminOrOwnerAuth(adminTokens: readonly TokenEntry[], credentials: RegistrationCredentials) {
  const matchAdmin = createTokenMatcher(adminTokens);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="orderbus-admin"');
      next(new OrderbusError('unauthorized', 'Missing Authorization: Bearer token.'));
      return;
    }
    const admin = matchAdmin(token);
    if (admin) {
      res.locals.principal = admin;
      next();
      return;
    }
    const baseCode = await credentials.verify(token);
    if (baseCode) {
      const owner: OwnerPrincipal = { name: `owner:${baseCode}`, role: 'owner', baseCode };
      res.locals.principal = owner;
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="orderbus-admin", error="invalid_token"');
    next(new OrderbusError('unauthorized', 'The token is not valid.'));
  };
}

/**
 * What an owner may do, on its own baseCode only: [method, path pattern].
 * Patterns whose first group is the baseCode are checked here; `'own-events'`
 * routes name an event instead, and their handler answers only from the
 * owner's own deliveries (404 for an event it was not queued).
 */
const OWNER_ROUTES: ReadonlyArray<[string, RegExp] | [string, RegExp, 'own-events']> = [
  ['GET', /^\/subscriptions\/([^/]+)$/],
  ['PUT', /^\/subscriptions\/([^/]+)$/],
  ['POST', /^\/subscriptions\/([^/]+)\/(enable|disable)$/],
  ['GET', /^\/subscriptions\/([^/]+)\/(health|health\/history|status-history|attempts|dead-letters|queue|feedback)$/],
  // Thin subscriptions pull the events they were notified of; receivers report errors about events they accepted.
  ['GET', /^\/events\/[^/]+$/, 'own-events'],
  ['POST', /^\/events\/[^/]+\/errors$/, 'own-events'],
];

/**
 * Keeps an owner inside its own baseCode: it may read and update its
 * subscription, enable or disable it, and read its health and recent
 * failures — nothing of another baseCode, nothing global (403).
 */
export function ownerScope() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const principal = res.locals.principal as Principal | undefined;
    if (!isOwner(principal)) {
      next();
      return;
    }
    const allowed = OWNER_ROUTES.some(([method, pattern, scope]) => {
      if (req.method !== method) return false;
      const match = pattern.exec(req.path);
      if (match !== null && scope === 'own-events') return true;
      return match !== null && decodeURIComponent(match[1] ?? '') === principal.baseCode;
    });
    next(allowed ? undefined : new OrderbusError('forbidden', `A registration credential of ${principal.baseCode} reaches only that baseCode's own subscription.`));
  };
}
