import { Router, type NextFunction, type Request, type Response } from 'express';
import { OrderbusError } from '@orderbus/core';
import { bearerToken, createTokenMatcher, jsonBody, type Principal, type TokenEntry } from '@orderbus/http';

/** The cookie the console's login sets: it carries the admin token for `/queues` (bull-board). */
export const SESSION_COOKIE = 'orderbus_admin';

/** Reads one cookie from the Cookie header (no dependency needed for one name). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

/**
 * `POST /console/login` `{token}`: checks the token with the same
 * constant-time matcher as the API, answers `{name, role}` and sets the
 * session cookie (HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS; it
 * ends with the browser session). `POST /console/logout` clears it.
 *
 * The cookie authenticates only pages a browser navigates to (`/queues`); the
 * `/v1` API never reads it and takes only the bearer header, which the
 * console's JavaScript sends from memory. A forged cross-site request thus
 * carries no credential the API accepts (no CSRF token needed), and
 * `/queues` accepts only reads.
 */
export function consoleSessionRoutes(tokens: readonly TokenEntry[]): Router {
  const match = createTokenMatcher(tokens);
  const router = Router();
  router.post('/login', jsonBody('4kb'), (req, res) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) {
      throw new OrderbusError('bad_request', 'Send {"token": "<admin token>"} as JSON.');
    }
    const principal = match(token);
    if (!principal) throw new OrderbusError('unauthorized', 'The token is not valid.');
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ name: principal.name, role: principal.role });
  });
  router.post('/logout', (req, res) => {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
    res.status(204).end();
  });
  return router;
}

/**
 * Authenticates a browser page by the session cookie (or a bearer header, for
 * scripts). Without a valid one, a page navigation is sent to the console's
 * login, anything else gets 401.
 */
export function requireConsoleSession(tokens: readonly TokenEntry[], loginPath: string) {
  const match = createTokenMatcher(tokens);
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = bearerToken(req) ?? readCookie(req, SESSION_COOKIE);
    const principal: Principal | undefined = token ? match(token) : undefined;
    if (principal) {
      res.locals.principal = principal;
      next();
      return;
    }
    if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
      res.redirect(302, `${loginPath}?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    next(new OrderbusError('unauthorized', token ? 'The session token is not valid; log in again.' : 'Log in to the console first (POST /console/login).'));
  };
}
