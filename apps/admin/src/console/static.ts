import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';
import { OrderbusError } from '@orderbus/core';

/**
 * Where `vite build` writes the console: `apps/admin/dist/web`. Two levels up
 * from this file is the admin package both when it runs from `src/console`
 * (tests) and from `dist/console` (built).
 */
export const DEFAULT_CONSOLE_DIR = resolve(__dirname, '..', '..', 'dist', 'web');

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The web console's static files under `/console/` (a single page; its
 * routes live in the URL fragment), and `/` redirecting there. Hashed assets
 * are cached for good, index.html never. When the console was not built the
 * pages answer 503 saying so.
 */
export function consoleStatic(dir: string): Router {
  const router = Router();
  const index = join(dir, 'index.html');
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use('/console', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!existsSync(index)) {
      next(new OrderbusError('unavailable', `The console is not built (no ${index}); run the build (npm run build).`));
      return;
    }
    next();
  });
  router.use(
    '/console',
    express.static(dir, {
      index: 'index.html',
      setHeaders(res, path) {
        res.setHeader('Cache-Control', path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  return router;
}
