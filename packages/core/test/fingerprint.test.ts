import { canonicalJson, createEventValidator, fingerprint } from '../src';
import { envelope, payload } from './helpers/payloads';

const validator = createEventValidator({ mode: 'compat', enableSupervise: false });

function fingerprintOf(input: unknown): string {
  const outcome = validator.validate(input);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
  return outcome.fingerprint;
}

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('fingerprint', () => {
  const base = { dataArea: 'fwwt', changeId: 4 as const, data: payload(4) };

  it('is the sha256 hex of the canonical JSON of what was given', () => {
    expect(fingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(base)).toBe(fingerprint({ ...base }));
  });

  it('does not depend on key order, nor on data as object vs string, nor on "4" vs 4', () => {
    const reversed = Object.fromEntries(Object.entries(payload(4)).reverse());
    const a = fingerprintOf({ dataArea: 'fwwt', changeId: '4', data: payload(4) });
    expect(fingerprintOf({ data: reversed, changeId: 4, dataArea: 'fwwt' })).toBe(a);
    expect(fingerprintOf({ dataArea: 'fwwt', changeId: '4', data: JSON.stringify(reversed) })).toBe(a);
    expect(a).toBe(fingerprint(base));
  });

  it('does not depend on the generated eventId, acceptedAt or the default occurredAt', () => {
    const a = createEventValidator({ mode: 'strict', enableSupervise: false, now: () => new Date(0) }).validate(envelope(4, payload(4)));
    const b = createEventValidator({ mode: 'strict', enableSupervise: false, now: () => new Date(1e12) }).validate(envelope(4, payload(4)));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.event.eventId).not.toBe(b.event.eventId);
    expect(a.event.occurredAt).not.toBe(b.event.occurredAt);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('is the same after key normalisation (a retry with userid or userId is the same event)', () => {
    const exact = payload(1);
    const variant: Record<string, unknown> = payload(1, { userId: undefined });
    variant.userid = exact.userId;
    expect(fingerprintOf(envelope(1, variant))).toBe(fingerprintOf(envelope(1, exact)));
  });

  it('differs for a different payload, dataArea, changeId, baseCode or occurredAt', () => {
    const a = fingerprintOf(envelope(4, payload(4)));
    const others = [
      envelope(4, payload(4, { evalue: '5' })),
      envelope(4, payload(4, { extraField: '' })),
      { ...envelope(4, payload(4)), dataArea: 'other' },
      envelope(4, payload(4), { baseCode: '' }),
      envelope(4, payload(4), { occurredAt: '2019-08-02T11:03:38Z' }),
      envelope(1, payload(4)),
    ].map(fingerprintOf);
    expect(new Set([a, ...others]).size).toBe(others.length + 1);
  });

  it('does not depend on the eventId the producer sent (a changed payload under one eventId is detectable)', () => {
    expect(fingerprintOf(envelope(4, payload(4), { eventId: 'a' }))).toBe(fingerprintOf(envelope(4, payload(4), { eventId: 'b' })));
  });
});
