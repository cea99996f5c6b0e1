/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP date. Returns the
 * wait in ms (0 for a date in the past), capped at `maxMs`; undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, maxMs: number, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, maxMs);
}
