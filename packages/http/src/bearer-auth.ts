import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { OrderbusError } from '@orderbus/core';

/** Who made a request, once a token matched. */
export interface Principal {
  name: string;
  role: string;
}

export interface TokenEntry extends Principal {
  token: string;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Finds the principal of a presented token. Every configured token is compared
 * (digests of equal length, `timingSafeEqual`), so the time taken does not
 * reveal which token or how much of it matched.
 */
export function createTokenMatcher(entries: readonly TokenEntry[]) {
  const hashed = entries.map((e) => ({ principal: { name: e.name, role: e.role }, hash: digest(e.token) }));
  return (presented: string): Principal | undefined => {
    const candidate = digest(presented);
    let found: Principal | undefined;
    for (const entry of hashed) {
      if (timingSafeEqual(entry.hash, candidate) && !found) found = entry.principal;
    }
    return found;
  };
}

export function bearerToken(req: Request): string | undefined {
  const header = req.header('authorization');
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Express middleware: requires `Authorization: Bearer <token>` matching one of
 * `entries`; the principal is put on `res.locals.principal`.
 */
export function requireBearer(entries: readonly TokenEntry[], realm: string) {
  const match = createTokenMatcher(entries);
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = bearerToken(req);
    if (!token) {
      res.setHeader('WWW-Authenticate', `Bearer realm="${realm}"`);
      next(new OrderbusError('unauthorized', 'Missing Authorization: Bearer token.'));
      return;
    }
    const principal = match(token);
    if (!principal) {
      res.setHeader('WWW-Authenticate', `Bearer realm="${realm}", error="invalid_token"`);
      next(new OrderbusError('unauthorized', 'The token is not valid.'));
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

/**
 * Parses a token list from config: `name:role:token,name:role:token`
 * (or `name:token` when every entry has the same `defaultRole`).
 */
export function parseTokenList(value: string, defaultRole?: string): TokenEntry[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const parts = item.split(':');
      if (parts.length === 3 && parts.every(Boolean)) return { name: parts[0]!, role: parts[1]!, token: parts[2]! };
      if (parts.length === 2 && defaultRole && parts.every(Boolean)) return { name: parts[0]!, role: defaultRole, token: parts[1]! };
      throw new Error(`token entry "${parts[0] ?? ''}:..." must be ${defaultRole ? 'name:token' : 'name:role:token'}`);
    });
}
