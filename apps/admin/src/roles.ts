import type { NextFunction, Request, Response } from 'express';
import { OrderbusError } from '@orderbus/core';
import type { Principal } from '@orderbus/http';

/**
 * `viewer` reads; `operator` reads and acts. `owner` (a registration
 * credential) acts on its own baseCode only — the owner scope middleware
 * has already kept it there before any route runs.
 */
export type AdminRole = 'viewer' | 'operator' | 'owner';

/** Lets the request through only for an operator token (or an owner on its own baseCode). */
export function requireOperator() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const principal = res.locals.principal as Principal | undefined;
    if (principal?.role !== 'operator' && principal?.role !== 'owner') {
      next(new OrderbusError('forbidden', 'This action needs an operator token; this token is a viewer.'));
      return;
    }
    next();
  };
}

/** Who did it, for status changes and the audit: `admin:<name>` or `owner:<baseCode>`. */
export function actorOf(locals: Record<string, unknown>): string {
  const principal = locals.principal as Principal;
  return principal.role === 'owner' ? principal.name : `admin:${principal.name}`;
}
