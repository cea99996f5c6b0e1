import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A new event id: a UUIDv7 (RFC 9562). Its first 48 bits are the Unix time in
 * milliseconds, so ids sort by creation time — streams, logs and the admin UI
 * list events in order without a second index. Within one millisecond a
 * 12-bit counter (in rand_a, RFC 9562 §6.2 method 1) keeps ids of this
 * process strictly increasing; the remaining 62 bits are random.
 */
export function newEventId(): string {
  const bytes = randomBytes(16);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = ((bytes[6] ?? 0) << 8 | (bytes[7] ?? 0)) & 0x7ff; // random start, leaves room to count up
  } else if (++sequence > 0xfff) {
    lastMs += 1; // counter exhausted (or the clock went back): borrow the next millisecond
    sequence = 0;
  }
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
