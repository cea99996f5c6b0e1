import express, { type NextFunction, type Request, type Response } from 'express';
import { OrderbusError } from '@orderbus/core';

/**
 * Parses a JSON body with a size limit. Wrong content type is 415, a body over
 * the limit 413, broken JSON 400 — each with the stable error codes, through
 * the one error middleware.
 */
export function jsonBody(limit: string | number) {
  const parse = express.json({ limit, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody = req.headers['content-length'] !== '0' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined);
    if (!hasBody) {
      next();
      return;
    }
    if (!req.is('application/json') && !req.is('application/*+json')) {
      next(new OrderbusError('unsupported_media_type', `Content-Type must be application/json, got "${req.headers['content-type'] ?? ''}".`));
      return;
    }
    parse(req, res, next);
  };
}
