import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A registration credential as stored: only its hash. */
interface StoredCredential {
  id: string;
  hash: string;
  createdAt: string;
}

const PREFIX = 'obr_';
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Credentials a subscriber system uses to register and manage its own
 * baseCode (seed 003: a system registers its baseCode and callback when it
 * starts). An admin issues one per baseCode; it reaches that baseCode only.
 * Format `obr_<baseCode>.<secret>`; only a SHA-256 of it is stored.
 */
export class RegistrationCredentials {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:registration-credentials`;
  }

  /** Issues a new credential for a baseCode (shown once) and keeps the older ones valid. */
  async issue(baseCode: string, now = new Date()): Promise<{ id: string; credential: string }> {
    const credential = `${PREFIX}${baseCode}.${randomBytes(32).toString('base64url')}`;
    const entry: StoredCredential = { id: randomBytes(6).toString('hex'), hash: digest(credential).toString('hex'), createdAt: now.toISOString() };
    const existing = await this.list(baseCode);
    await this.redis.hset(this.key, baseCode, JSON.stringify([...existing, entry]));
    return { id: entry.id, credential };
  }

  /** Revokes every credential of a baseCode. */
  async revokeAll(baseCode: string): Promise<void> {
    await this.redis.hdel(this.key, baseCode);
  }

  /** The baseCode a presented credential belongs to, or undefined. Compared in constant time. */
  async verify(presented: string): Promise<string | undefined> {
    if (!presented.startsWith(PREFIX)) return undefined;
    const dot = presented.indexOf('.', PREFIX.length);
    if (dot < 0) return undefined;
    const baseCode = presented.slice(PREFIX.length, dot);
    const candidate = digest(presented);
    let match = false;
    for (const entry of await this.list(baseCode)) {
      if (timingSafeEqual(Buffer.from(entry.hash, 'hex'), candidate)) match = true;
    }
    return match ? baseCode : undefined;
  }

  private async list(baseCode: string): Promise<StoredCredential[]> {
    const json = await this.redis.hget(this.key, baseCode);
    return json ? (JSON.parse(json) as StoredCredential[]) : [];
  }
}
