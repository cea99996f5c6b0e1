import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@orderbus/observability';
import type { Principal } from '@orderbus/http';
import type { AuditLog } from './audit-log';

const ACTING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SUBSCRIPTION_PATH = /^\/v1\/subscriptions\/([^/?#]+)/;

/**
 * Records every acting call (POST, PUT, PATCH, DELETE) that passed
 * authentication: who (the token's name and role), what (method, path,
 * baseCode), the outcome (status, error code), when and the request id.
 * Mounted once on the `/v1` router after authentication, so every route there,
 * present or future, is covered without knowing about it. Calls refused for a
 * viewer are recorded too: an attempt to act is worth knowing about.
 * Recording happens after the response and never changes it.
 */
export function auditTrail(log: AuditLog, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const principal = res.locals.principal as Principal | undefined;
    if (!ACTING_METHODS.has(req.method) || !principal) {
      next();
      return;
    }
    let errorCode: string | undefined;
    // The error middleware answers with res.json: read the code on the way out.
    const json = res.json.bind(res);
    res.json = (body?: unknown) => {
      const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
      if (typeof code === 'string') errorCode = code;
      return json(body);
    };
    const path = (req.originalUrl.split('?')[0] ?? '').slice(0, 512);
    const baseCode = SUBSCRIPTION_PATH.exec(path)?.[1];
    res.once('close', () => {
      const entry = {
        at: new Date().toISOString(),
        actor: principal.name,
        role: principal.role,
        method: req.method,
        path,
        ...(baseCode ? { baseCode: safeDecode(baseCode) } : {}),
        status: res.statusCode,
        ...(errorCode ? { errorCode } : {}),
        requestId: String(res.locals.requestId ?? ''),
      };
      log.record(entry).catch((err: unknown) => {
        logger.error('audit entry not recorded', { ...entry, err: err instanceof Error ? err.message : String(err) });
      });
    });
    next();
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
