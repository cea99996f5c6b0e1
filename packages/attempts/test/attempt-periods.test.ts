import fc from 'fast-check';
import { AttemptPeriods } from '../src';

describe('AttemptPeriods', () => {
  it('keeps each attempt at least the TTL and at most a period longer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 * 24 * 3600_000 }),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (ttlMs, writtenAt) => {
          const periods = new AttemptPeriods(ttlMs);
          const start = periods.startOf(writtenAt);
          const expiry = periods.expiryOf(start);
          expect(start).toBeLessThanOrEqual(writtenAt);
          expect(expiry - writtenAt).toBeGreaterThanOrEqual(ttlMs);
          expect(expiry - writtenAt).toBeLessThanOrEqual(ttlMs + periods.lengthMs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps periods of a day, or of the TTL when it is shorter', () => {
    expect(new AttemptPeriods(7 * 24 * 3600_000).lengthMs).toBe(24 * 3600_000);
    expect(new AttemptPeriods(60_000).lengthMs).toBe(60_000);
  });
});
