import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log';
import { pageQuery } from '../pagination';

/** `GET /v1/audit?limit=&after=`: the acting calls of the admin API, newest first. */
export function auditRoutes(log: AuditLog): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await log.list(pageQuery(req.query)));
  });
  return router;
}
