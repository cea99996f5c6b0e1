import { randomBytes } from 'node:crypto';
import type { SigningSecret } from './subscription';

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(now: Date): SigningSecret {
  return {
    id: randomBytes(6).toString('hex'),
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    createdAt: now.toISOString(),
  };
}

/** The secrets deliveries are signed with at `now`: those not expired, newest first. */
export function activeSigningSecrets(secrets: readonly SigningSecret[], now: Date): SigningSecret[] {
  return secrets
    .filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now.getTime())
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * A rotation: a new secret, and every current one set to expire after the
 * grace period (an earlier expiry is kept); already expired ones are dropped.
 */
export function rotateSigningSecrets(
  current: readonly SigningSecret[],
  now: Date,
  graceSeconds: number,
): { secrets: SigningSecret[]; added: SigningSecret; previousSecretExpiresAt: string } {
  const expiresAt = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  const kept = activeSigningSecrets(current, now).map((s) => ({
    ...s,
    expiresAt: s.expiresAt !== undefined && s.expiresAt < expiresAt ? s.expiresAt : expiresAt,
  }));
  const added = newSigningSecret(now);
  return { secrets: [added, ...kept], added, previousSecretExpiresAt: expiresAt };
}
