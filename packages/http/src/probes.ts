import { Router } from 'express';
import type { Registry } from 'prom-client';

/**
 * `/healthz` (the process is alive), `/readyz` (its dependencies answer) and
 * `/metrics` (Prometheus text format). Mounted before authentication.
 */
export function probes(options: { ready: () => Promise<boolean>; registry: Registry }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await options.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', options.registry.contentType);
    res.send(await options.registry.metrics());
  });
  return router;
}
