import { connectRequestId } from './events/handle-delivery';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { OrderbusDelivery } from './delivery';
import { replyError, replyOk } from './reply';
import { DeliveryVerificationError } from './verification-error';
import { verifyDelivery } from './verify-delivery';

export interface ReceiverOptions {
  /** The signing secret(s) (`whsec_...`); pass the new and the old during a rotation. */
  secret: string | readonly string[];
  /** Handles one verified delivery. Throw (or reject) to have orderbus retry it later. */
  onEvent: (delivery: OrderbusDelivery, request: Request) => void | Promise<void>;
  /** See verifyDelivery (default 300). */
  toleranceSeconds?: number;
  /** Largest body accepted (default '5mb'). */
  limit?: string;
}

/**
 * An Express handler for an orderbus callback: reads the raw body (mount it
 * before, or instead of, `express.json()` on this path), verifies the
 * signature, calls `onEvent`, and answers in the seed 002 reply format:
 * 200 success; 401 for a delivery that does not verify; 500 with
 * `success: false` when `onEvent` throws, so the event is retried.
 *
 *   app.post('/callback', orderbusReceiver({ secret, onEvent: async (d) => save(d) }));
 */
export function orderbusReceiver(options: ReceiverOptions): RequestHandler {
  const raw = express.raw({ type: () => true, limit: options.limit ?? '5mb' });
  return (req: Request, res: Response, next: NextFunction): void => {
    raw(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      void handle(req, res, options).catch(next);
    });
  };
}

async function handle(req: Request, res: Response, options: ReceiverOptions): Promise<void> {
  if (!Buffer.isBuffer(req.body)) {
    // Another body parser ran first: the exact bytes the signature covers are gone.
    res.status(500).json(replyError('orderbusReceiver needs the raw body: mount it before express.json() for this path.'));
    return;
  }
  let delivery: OrderbusDelivery;
  try {
    delivery = verifyDelivery({
      secret: options.secret,
      headers: req.headers,
      rawBody: req.body,
      ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    });
  } catch (err) {
    if (err instanceof DeliveryVerificationError) {
      // Signed by orderbus but not an event: the connect request sent before enabling. Accept it.
      const connect = err.code === 'invalid_payload' ? connectRequestId(req.body) : undefined;
      if (connect !== undefined) {
        res.status(200).json(replyOk(connect));
        return;
      }
      res.status(err.code === 'invalid_payload' ? 400 : 401).json(replyError(`${err.code}: ${err.message}`, err.code === 'invalid_payload' ? 400 : 401));
      return;
    }
    throw err;
  }
  try {
    await options.onEvent(delivery, req);
  } catch (err) {
    res.status(500).json(replyError(err instanceof Error ? err.message : String(err), 500, delivery.eventId));
    return;
  }
  res.status(200).json(replyOk(delivery.eventId));
}
