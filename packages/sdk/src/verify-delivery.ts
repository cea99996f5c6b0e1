import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OrderbusDelivery } from './delivery';
import { DeliveryVerificationError } from './verification-error';

/** Request headers as Node (`req.headers`) or fetch (`Headers`) gives them. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface VerifyDeliveryInput {
  /** The subscription's signing secret (`whsec_...`), or several (during a rotation, the new and the old). */
  secret: string | readonly string[];
  headers: HeaderSource;
  /** The body exactly as received: the signature is over these bytes, not over re-serialised JSON. */
  rawBody: string | Buffer;
  /** How far `webhook-timestamp` may be from now, in seconds (default 300): older deliveries are replays. */
  toleranceSeconds?: number;
  /** Epoch ms to check the timestamp against (default Date.now()). */
  now?: number;
}

const DEFAULT_TOLERANCE_SECONDS = 300;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * Checks that a delivery comes from orderbus (Standard Webhooks): the
 * headers are there, the timestamp is recent, and one of the `v1,`
 * signatures in `webhook-signature` is the HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<raw body>` under one of the secrets.
 * Returns the parsed delivery; throws a DeliveryVerificationError otherwise.
 */
export function verifyDelivery(input: VerifyDeliveryInput): OrderbusDelivery {
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new DeliveryVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required.');
  }
  const seconds = Number(timestamp);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > tolerance) {
    throw new DeliveryVerificationError('stale_timestamp', `webhook-timestamp ${timestamp} is more than ${tolerance} s away from now (${now}).`);
  }
  const body = typeof input.rawBody === 'string' ? Buffer.from(input.rawBody, 'utf8') : input.rawBody;
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const expected = secrets.map((s) => createHmac('sha256', keyOf(s)).update(signed).digest());
  const given = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  const valid = given.some((g) => expected.some((e) => e.length === g.length && timingSafeEqual(e, g)));
  if (!valid) throw new DeliveryVerificationError('invalid_signature', 'No signature in webhook-signature matches the secret.');

  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new DeliveryVerificationError('invalid_payload', 'The body is not JSON.');
  }
  const delivery = payload as Partial<OrderbusDelivery> | null;
  if (typeof delivery !== 'object' || delivery === null || delivery.eventId !== id) {
    throw new DeliveryVerificationError('invalid_payload', 'The body is not an orderbus delivery for this webhook-id.');
  }
  return delivery as OrderbusDelivery;
}
