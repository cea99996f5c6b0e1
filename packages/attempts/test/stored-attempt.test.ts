import fc from 'fast-check';
import type { AttemptRecord } from '../src';
import { readStoredAttempt, storedAttemptJson } from '../src/stored-attempt';

/** A record as attemptRecordOf builds it (its keys in that order). */
const attemptRecord: fc.Arbitrary<Omit<AttemptRecord, 'seq'>> = fc
  .record({
    eventId: fc.string({ minLength: 1, maxLength: 64 }),
    attemptNumber: fc.integer({ min: 1, max: 50 }),
    at: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
    durationMs: fc.integer({ min: 0, max: 120_000 }),
    delivered: fc.boolean(),
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
    resultClass: fc.constantFrom('ok', 'http_5xx', 'http_4xx', 'timeout', 'connect_error', 'rate_limited'),
    usualMessage: fc.boolean(),
    message: fc.string({ maxLength: 80 }),
    responseSnippet: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    nextRetryAt: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()), { nil: undefined }),
    deadLettered: fc.boolean(),
    disableSubscription: fc.boolean(),
  })
  .map((r) => ({
    eventId: r.eventId,
    attemptNumber: r.attemptNumber,
    at: r.at,
    durationMs: r.durationMs,
    outcome: r.delivered ? ('delivered' as const) : ('failed' as const),
    ...(r.status !== undefined ? { status: r.status } : {}),
    resultClass: r.resultClass,
    message: r.usualMessage ? `callback answered ${r.status}` : r.message,
    ...(r.responseSnippet !== undefined ? { responseSnippet: r.responseSnippet } : {}),
    ...(r.nextRetryAt !== undefined ? { nextRetryAt: r.nextRetryAt } : {}),
    deadLettered: r.deadLettered,
    ...(r.disableSubscription && !r.delivered ? { disableSubscription: true } : {}),
  }));

/** What the recording script stores: `"seq":<n>` put first. */
function numbered(json: string, seq: number): string {
  return `{"seq":${seq},${json.slice(1)}`;
}

describe('stored attempts', () => {
  it('read back as the record that was stored, byte for byte as the API serialises it', () => {
    fc.assert(
      fc.property(attemptRecord, fc.integer({ min: 1, max: 2 ** 40 }), (record, seq) => {
        const read = readStoredAttempt(numbered(storedAttemptJson(record), seq));
        expect(JSON.stringify(read)).toBe(JSON.stringify({ seq, ...record }));
      }),
      { numRuns: 2000 },
    );
  });

  it('still read records stored in the full form', () => {
    fc.assert(
      fc.property(attemptRecord, fc.integer({ min: 1, max: 2 ** 40 }), (record, seq) => {
        expect(readStoredAttempt(numbered(JSON.stringify(record), seq))).toEqual({ seq, ...record });
      }),
    );
  });

  it('stores a delivered attempt in about 60 % of the full form', () => {
    const delivered: Omit<AttemptRecord, 'seq'> = {
      eventId: 'b8f3c0de-2f5e-4c1b-9a57-1c2d3e4f5a6b',
      attemptNumber: 1,
      at: '2026-12-03T15:00:00.000Z',
      durationMs: 3,
      outcome: 'delivered',
      status: 200,
      resultClass: 'ok',
      message: 'callback answered 200',
      responseSnippet: '{"result":null,"success":true,"message":"success","statusCode":200}',
      deadLettered: false,
    };
    const full = numbered(JSON.stringify(delivered), 123456).length;
    const compact = numbered(storedAttemptJson(delivered), 123456).length;
    expect(compact / full).toBeLessThan(0.65);
  });
});
