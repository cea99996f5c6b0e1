/** The p-th percentile (0..100) of values, nearest-rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : Number.NaN;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean,
  };
}

/** The median of values (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const now = (): number => performance.timeOrigin + performance.now();

/** Rounds for the JSON (keeps it readable). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** How the slowest 1 % of a step's samples spread over time. */
export interface TailSpread {
  /** Samples at or above the p99. */
  slow: number;
  /** Windows of `windowMs` holding at least one of them. */
  windows: number;
  /** Share of them in the 3 fullest windows (1: all in at most 3 short stretches). */
  topThreeShare: number;
  windowMs: number;
}

/**
 * Where the slowest 1 % of samples (`[time, value]`, those at or above
 * their `p99`) fall: a few windows holding most of them means stalls (a
 * pause, a burst of other work on the machine), many windows means
 * per-sample variance.
 */
export function tailSpread(samples: ReadonlyArray<readonly [number, number]>, p99: number, windowMs = 100): TailSpread {
  if (samples.length === 0) return { slow: 0, windows: 0, topThreeShare: 0, windowMs };
  const perWindow = new Map<number, number>();
  let slow = 0;
  for (const [time, value] of samples) {
    if (value < p99) continue;
    slow += 1;
    const window = Math.floor(time / windowMs);
    perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
  }
  const fullest = [...perWindow.values()].sort((a, b) => b - a).slice(0, 3);
  return { slow, windows: perWindow.size, topThreeShare: round(fullest.reduce((a, b) => a + b, 0) / slow, 2), windowMs };
}
