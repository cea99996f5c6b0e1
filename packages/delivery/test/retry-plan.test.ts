import { DEFAULT_DELIVERY_POLICY, deliveryBackoffStrategy, retryDelayMs, scheduleUsedUp, type RetryPolicy } from '../src';

const retry: RetryPolicy = DEFAULT_DELIVERY_POLICY.retry;
const noJitter: RetryPolicy = { ...retry, jitter: 0 };

describe('retry plan', () => {
  it('follows the schedule: delay before attempt n+1 is schedule[n-1]; 9 attempts in all', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelayMs(noJitter, attempt, 'http_5xx'));
    // 0 becomes 1 ms so BullMQ always records a delay.
    expect(delays).toEqual([1, 5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(scheduleUsedUp(retry, 8, 'http_5xx')).toBe(false);
    expect(scheduleUsedUp(retry, 9, 'http_5xx')).toBe(true);
  });

  it('retries other 4xx on the short schedule and gives up after it', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(noJitter, a, 'http_4xx'))).toEqual([5000, 30_000, 120_000, 600_000]);
    expect(scheduleUsedUp(retry, 4, 'http_4xx')).toBe(false);
    expect(scheduleUsedUp(retry, 5, 'http_4xx')).toBe(true);
  });

  it('spreads every delay within ± jitter, both ways', () => {
    const samples = Array.from({ length: 400 }, () => retryDelayMs(retry, 3, 'timeout'));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(240_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(360_000);
    expect(Math.min(...samples)).toBeLessThan(270_000);
    expect(Math.max(...samples)).toBeGreaterThan(330_000);
    expect(retryDelayMs(retry, 3, 'timeout', undefined, () => 0)).toBe(240_000);
    expect(retryDelayMs(retry, 3, 'timeout', undefined, () => 1)).toBe(360_000);
  });

  it('waits at least a Retry-After, spread upwards only', () => {
    for (let i = 0; i < 50; i++) {
      const delay = retryDelayMs(retry, 1, 'http_429', 20_000);
      expect(delay).toBeGreaterThanOrEqual(20_000);
      expect(delay).toBeLessThanOrEqual(24_000);
    }
    // A later scheduled retry wins over a short Retry-After.
    expect(retryDelayMs(noJitter, 3, 'http_5xx', 1000)).toBe(300_000);
  });

  it('is the BullMQ backoff strategy: the class comes from the error message, Retry-After from the error', () => {
    const strategy = deliveryBackoffStrategy(noJitter);
    expect(strategy(2, 'orderbus-policy', new Error('http_5xx: callback answered 500'))).toBe(5000);
    expect(strategy(2, 'orderbus-policy', new Error('http_4xx: callback answered 404'))).toBe(30_000);
    const withRetryAfter = Object.assign(new Error('http_429: callback answered 429'), { retryAfterMs: 42_000 });
    expect(strategy(1, 'orderbus-policy', withRetryAfter)).toBe(42_000);
    expect(strategy(2)).toBe(5000);
  });
});
