import { ConfigError, parseEnv, z } from '@orderbus/config';
import { DEFAULT_DELIVERY_POLICY, deliveryPolicyEnv, formatDuration, parseDuration, parseDurationList, policyFromEnv } from '../src';

const schema = z.object({ ...deliveryPolicyEnv });

describe('durations', () => {
  it('parse ms, s, m, h, d and bare milliseconds', () => {
    expect(parseDurationList('0,5s,5m,30m,2h,5h,10h,10h')).toEqual([0, 5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('40')).toBe(40);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDurationList('1s,,2s')).toBeUndefined();
    expect(parseDurationList('')).toEqual([]);
    for (const ms of [0, 1, 999, 1000, 60_000, 90_000, 3_600_000, 86_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe('policyFromEnv', () => {
  it('gives the defaults for an empty environment', () => {
    expect(policyFromEnv(parseEnv(schema, {}))).toEqual(DEFAULT_DELIVERY_POLICY);
  });

  it('reads the overrides', () => {
    const policy = policyFromEnv(
      parseEnv(schema, {
        ORDERBUS_RETRY_SCHEDULE: '0,100ms,1s',
        ORDERBUS_RETRY_JITTER: '0',
        ORDERBUS_CLIENT_ERROR_RETRY_SCHEDULE: '50ms',
        ORDERBUS_DELIVERY_TIMEOUT_MS: '1500',
        ORDERBUS_CONNECT_TIMEOUT_MS: '700',
        ORDERBUS_ATTEMPT_HISTORY_TTL_MS: '60000',
        ORDERBUS_AUTO_DISABLE_AFTER_FAILURES: '3',
      }),
    );
    expect(policy.retry).toMatchObject({ schedule: [0, 100, 1000], jitter: 0, clientErrorSchedule: [50], attemptTimeoutMs: 1500, connectTimeoutMs: 700 });
    expect(policy.retention.attemptHistoryTtlMs).toBe(60_000);
    expect(policy.health.autoDisableAfterConsecutiveFailures).toBe(3);
  });

  it('names every bad variable', () => {
    expect(() => parseEnv(schema, { ORDERBUS_RETRY_SCHEDULE: '5s,soon', ORDERBUS_RETRY_JITTER: '2' })).toThrow(ConfigError);
    try {
      parseEnv(schema, { ORDERBUS_RETRY_SCHEDULE: '5s,soon', ORDERBUS_RETRY_JITTER: '2' });
    } catch (err) {
      expect((err as ConfigError).issues.join('\n')).toMatch(/ORDERBUS_RETRY_SCHEDULE[\s\S]*ORDERBUS_RETRY_JITTER|ORDERBUS_RETRY_JITTER[\s\S]*ORDERBUS_RETRY_SCHEDULE/);
    }
  });
});
