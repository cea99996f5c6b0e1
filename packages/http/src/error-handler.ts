import type { NextFunction, Request, Response } from 'express';
import { OrderbusError, isOrderbusError, isRedisUnavailable } from '@orderbus/core';
import type { Logger } from '@orderbus/observability';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  /** http-errors' flag: the message is meant for the client. */
  expose?: boolean;
}

/** Maps errors thrown by body-parser (inside express.json) to orderbus errors. */
function fromBodyParser(err: BodyParserError): OrderbusError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new OrderbusError('malformed_json', `The body is not valid JSON: ${err.message}`);
    case 'entity.too.large':
      return new OrderbusError('payload_too_large', `The body is larger than the limit of ${err.limit ?? '?'} bytes.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new OrderbusError('unsupported_media_type', err.message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new OrderbusError('bad_request', err.message);
    default:
      // A malformed %-escape in the path (the router's or our own decodeURIComponent), and a body
      // that does not decompress as its Content-Encoding says (body-parser: 400, no type): the client's.
      if (err instanceof URIError) return new OrderbusError('bad_request', `The path holds a malformed %-escape: ${err.message}.`);
      if (err.expose === true && err.status === 400) return new OrderbusError('bad_request', `The body could not be read: ${err.message}.`);
      return undefined;
  }
}

/**
 * The one error-to-HTTP middleware of every app: an `OrderbusError` becomes
 * its status and `{error: {code, message, ...}}`; anything else is logged with
 * the request id and answered 500 without internals.
 */
export function errorHandler(logger: Logger) {
  // Express recognises error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const requestId = res.locals.requestId as string | undefined;
    const known = isOrderbusError(err)
      ? err
      : isRedisUnavailable(err)
        ? new OrderbusError('unavailable', 'Redis is unreachable or stalled; retry later.')
        : fromBodyParser(err as BodyParserError);
    if (known) {
      if (known.status >= 500) logger.warn(known.message, { requestId, code: known.code, path: req.path });
      if (known.code === 'rate_limited' && typeof known.details?.retryAfterSeconds === 'number') {
        res.setHeader('Retry-After', String(known.details.retryAfterSeconds));
      }
      res.status(known.status).json({ ...known.toJSON(), requestId });
      return;
    }
    logger.error('unhandled error', { requestId, path: req.path, err });
    if (res.headersSent) return;
    res.status(500).json({ error: { code: 'internal', message: 'Internal error; see the log for this request id.' }, requestId });
  };
}

/** 404 for routes that do not exist, in the same error format. */
export function notFound() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(new OrderbusError('not_found', `No route ${req.method} ${req.path}.`));
  };
}
