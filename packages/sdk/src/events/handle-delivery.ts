import { deduplicate, type DedupStore, type DeduplicateOptions } from '../dedup';
import { replyError, replyOk, type ReceiverReply } from '../reply';
import { DeliveryVerificationError, type VerificationFailure } from '../verification-error';
import { verifyDelivery, type HeaderSource } from '../verify-delivery';
import { asDeliveredEvent, type DeliveredEvent } from './event-types';

/** A request to an orderbus callback, as any HTTP framework can give it. */
export interface DeliveryRequest {
  headers: HeaderSource;
  /** The body exactly as received (the signature covers these bytes). */
  rawBody: string | Buffer;
}

export interface HandleDeliveryOptions {
  /** The signing secret(s) (`whsec_...`); during a rotation pass the new and the old. */
  secret: string | readonly string[];
  /**
   * Skip event ids handled before (a store, or a store with its TTL). Without
   * it every verified delivery reaches the handler, duplicates included.
   */
  dedup?: DedupStore | DeduplicateOptions;
  /** How far `webhook-timestamp` may be from now (default 300 s). */
  toleranceSeconds?: number;
  /** Epoch ms to check the timestamp against (default Date.now()). */
  now?: number;
}

/** What happened to a delivery. */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'connect' | 'rejected' | 'failed';

/** The answer to write back: status and seed 002 JSON body. */
export interface DeliveryResponse {
  status: number;
  headers: Record<string, string>;
  body: ReceiverReply;
  outcome: DeliveryOutcome;
  /** The verified event (absent when it did not verify). */
  event?: DeliveredEvent;
  /** Why it was rejected (verification) or failed (the handler threw). */
  error?: { code: VerificationFailure | 'handler_failed'; message: string };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Handles one delivery without any framework: verifies the signature and the
 * timestamp, skips an event id seen before (with `dedup`), runs `handler`
 * with the typed event, and says what to answer:
 *
 * - 200 `success: true`: handled, or a duplicate (already handled; orderbus stops retrying),
 *   or orderbus's signed `connect` request (sent when the subscription is enabled; the handler does not see it);
 * - 401 (400 for a body that is not an orderbus delivery): did not verify, nothing ran;
 * - 500 `success: false`: the handler threw; orderbus retries on its schedule.
 *
 * ```ts
 * const answer = await handleDelivery({ headers: req.headers, rawBody }, async (event) => save(event), { secret });
 * res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
 * ```
 */
export async function handleDelivery(
  request: DeliveryRequest,
  handler: (event: DeliveredEvent) => void | Promise<void>,
  options: HandleDeliveryOptions,
): Promise<DeliveryResponse> {
  let event: DeliveredEvent;
  try {
    event = asDeliveredEvent(
      verifyDelivery({
        secret: options.secret,
        headers: request.headers,
        rawBody: request.rawBody,
        ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      }),
    );
  } catch (err) {
    if (!(err instanceof DeliveryVerificationError)) throw err;
    const connect = err.code === 'invalid_payload' ? connectRequestId(request.rawBody) : undefined;
    if (connect !== undefined) {
      return { status: 200, headers: JSON_HEADERS, body: replyOk(connect), outcome: 'connect' };
    }
    const status = err.code === 'invalid_payload' ? 400 : 401;
    return {
      status,
      headers: JSON_HEADERS,
      body: replyError(`${err.code}: ${err.message}`, status),
      outcome: 'rejected',
      error: { code: err.code, message: err.message },
    };
  }

  try {
    if (options.dedup) {
      const dedup = 'store' in options.dedup ? options.dedup : { store: options.dedup };
      const outcome = await deduplicate(event.eventId, () => handler(event), dedup);
      if (outcome.duplicate) {
        const body = { ...replyOk(event.eventId), message: 'duplicate: already handled' };
        return { status: 200, headers: JSON_HEADERS, body, outcome: 'duplicate', event };
      }
    } else {
      await handler(event);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      status: 500,
      headers: JSON_HEADERS,
      body: replyError(message, 500, event.eventId),
      outcome: 'failed',
      event,
      error: { code: 'handler_failed', message },
    };
  }
  return { status: 200, headers: JSON_HEADERS, body: replyOk(event.eventId), outcome: 'handled', event };
}

/**
 * The requestId of orderbus's connect request (`{"baseInfo": {"topic": "connect", "requestId"}}`,
 * seed 002), sent before a subscription is enabled. verifyDelivery checks the
 * signature before it reads the body, so its `invalid_payload` means "signed
 * by orderbus, but not an event": the connect request is the one such body.
 */
export function connectRequestId(rawBody: string | Buffer): string | undefined {
  try {
    const body = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')) as { baseInfo?: { topic?: unknown; requestId?: unknown } };
    return body?.baseInfo?.topic === 'connect' ? String(body.baseInfo.requestId ?? '') : undefined;
  } catch {
    return undefined;
  }
}
