import { createHash } from 'node:crypto';
import type { ChangeId } from './event';

/** What the producer sent, after normalisation: the fields it gave, nothing orderbus generated. */
export interface FingerprintInput {
  dataArea: string;
  changeId: ChangeId;
  /** The normalised payload (a `data` JSON string is fingerprinted as the object it holds). */
  data: unknown;
  /** Only when the producer sent it. */
  baseCode?: string;
  /** Only when the producer sent it (never the default taken from acceptedAt). */
  occurredAt?: string;
}

/** JSON with object keys sorted at every level, so key order does not change the text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The sha256 (hex) of the canonical JSON of what the producer sent. A retry
 * of the same event gives the same fingerprint (whatever the key order, data
 * as object or as string, `userid` or `userId`); a different payload under an
 * eventId already accepted gives another, which the bus answers with 409.
 */
export function fingerprint(input: FingerprintInput): string {
  const given: Record<string, unknown> = { dataArea: input.dataArea, changeId: input.changeId, data: input.data };
  if (input.baseCode !== undefined) given.baseCode = input.baseCode;
  if (input.occurredAt !== undefined) given.occurredAt = input.occurredAt;
  return createHash('sha256').update(canonicalJson(given)).digest('hex');
}
