const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration: a number with an optional unit `ms`, `s`, `m`, `h` or
 * `d` (`250ms`, `5s`, `30m`, `10h`); a bare number is milliseconds.
 * Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2] ?? 'ms']!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Parses a comma-separated list of durations (`0,5s,5m,30m,2h`); undefined when any item is not a duration. */
export function parseDurationList(text: string): number[] | undefined {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 1 && items[0] === '') return [];
  const parsed = items.map(parseDuration);
  return parsed.every((ms): ms is number => ms !== undefined) ? parsed : undefined;
}

/** The shortest exact text for a duration (`300000` -> `5m`), the inverse of parseDuration. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms > 0 && ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  }
  return `${ms}ms`;
}
