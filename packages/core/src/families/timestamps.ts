/**
 * The seeds' timestamps are epoch numbers in two units: `reportTs` is seconds
 * in seed 000 (1661154622) and milliseconds in seed 001 (1709704232689).
 * A value below 10^11 is read as seconds (10^11 s is the year 5138; 10^11 ms
 * is 1973), anything else as milliseconds.
 */
const SECONDS_BELOW = 1e11;

/** An epoch value (number, or a string of digits) as an ISO 8601 time; undefined when it is not one. */
export function epochToIso(value: unknown): string | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) return undefined;
  const date = new Date(n < SECONDS_BELOW ? n * 1000 : n);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
