import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane),
 * echoes it in the response and exposes it as `res.locals.requestId` for logs.
 */
export function requestId() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.header('x-request-id');
    const id = given && SAFE_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  };
}
