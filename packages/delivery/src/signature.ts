import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The Standard Webhooks headers of a delivery. */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The key bytes of a `whsec_<base64>` secret. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** Secrets seen (a handful per subscription in practice); beyond that the cache starts over. */
const MAX_CACHED_KEYS = 10_000;
const keys = new Map<string, KeyObject>();

/** The secret's key, decoded and imported once rather than at every delivery. */
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= MAX_CACHED_KEYS) keys.clear();
    key = createSecretKey(secretKey(secret));
    keys.set(secret, key);
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks). */
export function signPayload(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/**
 * Signs a delivery with every secret given (during a rotation the new and
 * the old one): the signatures go space-separated in `webhook-signature`,
 * and a receiver accepts the delivery when any of them verifies.
 */
export function signatureHeaders(input: { id: string; timestampSeconds: number; body: string; secrets: readonly string[] }): SignatureHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': input.secrets.map((s) => signPayload(s, input.id, input.timestampSeconds, input.body)).join(' '),
  };
}
