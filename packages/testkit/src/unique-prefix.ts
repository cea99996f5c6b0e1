import { randomBytes } from 'node:crypto';

/** A Redis key prefix of its own for one test, so tests sharing a Redis never see each other's keys. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}`;
}
