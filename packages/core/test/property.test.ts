import fc from 'fast-check';
import { CHANGE_IDS, createEventValidator } from '../src';
import { VALID_PAYLOADS } from './helpers/payloads';

const validators = (['strict', 'compat'] as const).flatMap((mode) =>
  [false, true].map((enableSupervise) => createEventValidator({ mode, enableSupervise })),
);

function holds(input: unknown): boolean {
  for (const v of validators) {
    const outcome = v.validate(input);
    if (outcome.ok) {
      if (typeof outcome.event.eventId !== 'string' || typeof outcome.event.data !== 'object') return false;
      continue;
    }
    if (outcome.problems.length === 0) return false;
    for (const p of outcome.problems) {
      if (typeof p.path !== 'string' || !(p.path === '' || p.path.startsWith('/'))) return false;
      if (typeof p.code !== 'string' || typeof p.message !== 'string' || p.message === '') return false;
    }
  }
  return true;
}

/** Envelopes close to real ones, so the property reaches data validation, not only the envelope checks. */
const nearEnvelope = fc.record(
  {
    dataArea: fc.oneof(fc.constant('fwwt'), fc.string()),
    changeId: fc.oneof(fc.constantFrom(...CHANGE_IDS), fc.constantFrom(...CHANGE_IDS.map(String)), fc.jsonValue()),
    data: fc.oneof(
      fc.constantFrom(...Object.values(VALID_PAYLOADS)),
      fc.dictionary(fc.constantFrom('serviceOrderId', 'userid', ' hangRemark ', '__proto__', 'currentUser', 'reqVariables', 'createDate', 'x'), fc.jsonValue()),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc.jsonValue(),
    ),
    eventId: fc.string(),
    baseCode: fc.jsonValue(),
    occurredAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
  },
  { requiredKeys: [] },
);

describe('validator properties', () => {
  it('never throws on arbitrary JSON, and explains every rejection with located problems', () => {
    fc.assert(fc.property(fc.jsonValue(), holds), { numRuns: 2000 });
  });

  it('never throws on near-envelopes, and explains every rejection with located problems', () => {
    fc.assert(fc.property(nearEnvelope, holds), { numRuns: 2000 });
  });

  it('never throws on arbitrary JSON text parsed with __proto__ keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify({ dataArea: 'fwwt', changeId: 1, data: { __proto__x: value } }).replace('__proto__x', '__proto__');
        return holds(JSON.parse(text)) && ({} as Record<string, unknown>).polluted === undefined;
      }),
      { numRuns: 500 },
    );
  });
});
