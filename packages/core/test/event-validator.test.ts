import { ENABLE_SUPERVISE_VARIABLE, createEventValidator, type ValidationMode } from '../src';
import { codesAndPaths, envelope, payload } from './helpers/payloads';

const NOW = new Date('2024-05-06T07:08:09.000Z');
const make = (mode: ValidationMode, enableSupervise = false) =>
  createEventValidator({ mode, enableSupervise, now: () => NOW, newId: () => 'generated-id' });
const strict = make('strict');
const compat = make('compat');
const both = [strict, compat];

function rejectedWith(input: unknown, expected: { code: string; path: string }[]): void {
  for (const v of both) {
    const outcome = v.validate(input);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(codesAndPaths(outcome.problems)).toEqual(codesAndPaths(expected));
  }
}

describe('the accepted event', () => {
  it('has the normalised data, a numeric changeId, ids and times', () => {
    const outcome = strict.validate(envelope(4, payload(4), { baseCode: '' }));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.event).toEqual({
      eventId: 'generated-id',
      dataArea: 'fwwt',
      changeId: 4,
      baseCode: '',
      data: payload(4),
      occurredAt: NOW.toISOString(),
      acceptedAt: NOW.toISOString(),
      orderKey: '4503599741262320',
    });
    expect(outcome.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the given eventId and occurredAt', () => {
    const outcome = compat.validate(envelope(4, payload(4), { eventId: 'wo-4503599741262320.4_1', occurredAt: '2019-08-02T19:03:38+08:00' }));
    expect(outcome.ok && outcome.event).toMatchObject({ eventId: 'wo-4503599741262320.4_1', occurredAt: '2019-08-02T19:03:38+08:00', acceptedAt: NOW.toISOString() });
  });

  it('generates a UUIDv7 eventId by default', () => {
    const outcome = createEventValidator({ mode: 'strict', enableSupervise: false }).validate(envelope(4, payload(4)));
    expect(outcome.ok && outcome.event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('has no orderKey when serviceOrderId is empty or not a string (compat)', () => {
    for (const serviceOrderId of ['', 4503599741262320, undefined]) {
      const outcome = compat.validate(envelope(4, payload(4, { serviceOrderId })));
      expect(outcome.ok).toBe(true);
      if (outcome.ok) expect(outcome.event).not.toHaveProperty('orderKey');
    }
  });

  it('drops a null baseCode (deprecated, never routed on)', () => {
    const outcome = strict.validate(envelope(4, payload(4), { baseCode: null }));
    expect(outcome.ok && outcome.event).not.toHaveProperty('baseCode');
  });
});

describe('changeId', () => {
  it('is accepted as "1" and as 1, with the same event and fingerprint', () => {
    const a = strict.validate({ dataArea: 'fwwt', changeId: '1', data: payload(1) });
    const b = strict.validate({ dataArea: 'fwwt', changeId: 1, data: payload(1) });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.event).toEqual(b.event);
    expect(a.event.changeId).toBe(1);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it.each([0, 11, 'x', 1.5, '1.5', '01', ' 1', '', null, true, [1], -1])('rejects %j with enum at /changeId in both modes', (changeId) => {
    rejectedWith({ dataArea: 'fwwt', changeId, data: payload(1) }, [{ code: 'enum', path: '/changeId' }]);
    const outcome = strict.validate({ dataArea: 'fwwt', changeId, data: payload(1) });
    if (!outcome.ok) expect(outcome.problems[0]?.message).toMatch(/^changeId must be 1–10, as a number or a decimal string such as "1", got /);
  });

  it('is required', () => {
    rejectedWith({ dataArea: 'fwwt', data: payload(1) }, [{ code: 'required', path: '/changeId' }]);
  });
});

describe('changeId 8 (supervise)', () => {
  it('is rejected with unsupported_change in both modes while supervise is disabled', () => {
    rejectedWith(envelope(8, payload(8)), [{ code: 'unsupported_change', path: '/changeId' }]);
    const outcome = strict.validate(envelope(8, payload(8)));
    if (!outcome.ok) {
      expect(outcome.problems[0]?.message).toContain('changeId 8 (supervise) is not supported yet');
      expect(outcome.problems[0]?.message).toContain(`${ENABLE_SUPERVISE_VARIABLE}=true`);
    }
  });

  it('is validated against its schema when enabled', () => {
    const s = make('strict', true);
    const c = make('compat', true);
    expect(s.validate(envelope(8, payload(8))).ok).toBe(true);
    // The seed example with its missing comma repaired: placeholders everywhere; suptime is not a date.
    const seedExample = {
      serviceOrderId: '服务工单ID', serviceOrderCode: '服务工单编码', templateId: '服务大类ID', templateDifId: '服务流程Id',
      busiTypeId: '业务类型Id', organId: '组织机构ID', trackId: '环节id', trackCode: '环节编码', trackName: '环节名称',
      supflag: '督办级别', supuserId: '督办人', supuserName: '督办人名称', suptime: '督办时间', supremark: '督办意见',
    };
    const strictOutcome = s.validate(envelope(8, seedExample));
    expect(!strictOutcome.ok && codesAndPaths(strictOutcome.problems)).toEqual([{ code: 'format', path: '/data/suptime' }]);
    const compatOutcome = c.validate(envelope(8, seedExample));
    expect(compatOutcome.ok && codesAndPaths(compatOutcome.event.problems)).toEqual([{ code: 'format', path: '/data/suptime' }]);
    expect(!s.validate(envelope(8, payload(8, { organId: undefined }))).ok).toBe(true);
  });
});

describe('envelope problems reject in both modes', () => {
  it.each([null, [], 'text', 42, true])('input %j is not an object', (input) => {
    rejectedWith(input, [{ code: 'type', path: '' }]);
  });

  it('dataArea is required and must match the pattern', () => {
    rejectedWith({ changeId: '4', data: payload(4) }, [{ code: 'required', path: '/dataArea' }]);
    for (const dataArea of ['', 'a b', 'x'.repeat(65), '数据域', 'a/b']) {
      rejectedWith({ dataArea, changeId: '4', data: payload(4) }, [{ code: 'pattern', path: '/dataArea' }]);
    }
    rejectedWith({ dataArea: 10008, changeId: '4', data: payload(4) }, [{ code: 'type', path: '/dataArea' }]);
    expect(strict.validate({ dataArea: '10008', changeId: '4', data: payload(4) }).ok).toBe(true);
    expect(strict.validate({ dataArea: 'A-b_c.9', changeId: '4', data: payload(4) }).ok).toBe(true);
  });

  it('eventId must match its pattern', () => {
    for (const eventId of ['', '-abc', 'a b', 'x'.repeat(129), 'a/b']) {
      rejectedWith(envelope(4, payload(4), { eventId }), [{ code: 'pattern', path: '/eventId' }]);
    }
    rejectedWith(envelope(4, payload(4), { eventId: 7 }), [{ code: 'type', path: '/eventId' }]);
    expect(strict.validate(envelope(4, payload(4), { eventId: 'x'.repeat(128) })).ok).toBe(true);
  });

  it('occurredAt must be an RFC 3339 date-time', () => {
    for (const occurredAt of ['20190802190338', '2019-08-02', 'yesterday', '2019-08-02T19:03:38']) {
      rejectedWith(envelope(4, payload(4), { occurredAt }), [{ code: 'format', path: '/occurredAt' }]);
    }
    expect(strict.validate(envelope(4, payload(4), { occurredAt: '2019-08-02T11:03:38.123Z' })).ok).toBe(true);
  });

  it('unknown top-level keys are unknown_field', () => {
    rejectedWith(envelope(4, payload(4), { changeid: '4', extra: 1 }), [
      { code: 'unknown_field', path: '/changeid' },
      { code: 'unknown_field', path: '/extra' },
    ]);
    const outcome = strict.validate(envelope(4, payload(4), { extra: 1 }));
    if (!outcome.ok) expect(outcome.problems[0]?.message).toBe('extra is not a field of the envelope (allowed: eventId, dataArea, changeId, data, baseCode, occurredAt)');
  });

  it('data must be an object or a JSON string holding one', () => {
    for (const data of [[], 42, true]) rejectedWith(envelope(4, data), [{ code: 'type', path: '/data' }]);
    for (const data of ['[1]', '42', '"x"', 'null']) rejectedWith(envelope(4, data), [{ code: 'type', path: '/data' }]);
    rejectedWith(envelope(4, '具体回调业务数据（json字符串）'), [{ code: 'not_json', path: '/data' }]);
  });

  it('baseCode must be a string when given', () => {
    rejectedWith(envelope(4, payload(4), { baseCode: 1 }), [{ code: 'type', path: '/baseCode' }]);
  });

  it('lists every envelope problem at once; strict adds the data problems', () => {
    const input = { dataArea: '', changeId: '4', data: payload(4, { evalue: undefined }), eventId: '', nope: 1 };
    const envelopeProblems = [
      { code: 'pattern', path: '/dataArea' },
      { code: 'pattern', path: '/eventId' },
      { code: 'unknown_field', path: '/nope' },
    ];
    const s = strict.validate(input);
    expect(!s.ok && codesAndPaths(s.problems)).toEqual(codesAndPaths([...envelopeProblems, { code: 'required', path: '/data/evalue' }]));
    const c = compat.validate(input);
    expect(!c.ok && codesAndPaths(c.problems)).toEqual(codesAndPaths(envelopeProblems));
  });
});

describe('missing data', () => {
  it.each([undefined, null, ''])('data %j is read as {} so the required fields show', (data) => {
    const input = { dataArea: 'fwwt', changeId: '4', ...(data === undefined ? {} : { data }) };
    const s = strict.validate(input);
    expect(!s.ok && s.problems.map((p) => p.path).sort()).toEqual(
      ['/data/busiTypeId', '/data/evaluateTime', '/data/evaluator', '/data/evalue', '/data/organId', '/data/serviceOrderCode', '/data/serviceOrderId', '/data/templateId'].sort(),
    );
    const c = compat.validate(input);
    expect(c.ok).toBe(true);
    if (c.ok) {
      expect(c.event.data).toEqual({});
      expect(c.event.problems).toHaveLength(8);
      expect(c.event).not.toHaveProperty('orderKey');
    }
  });
});

describe('validate()', () => {
  it('does not modify its input', () => {
    const input = envelope(6, { ...payload(6, { hangtime: undefined }), hangTime: '20190802190659' });
    const copy = structuredClone(input);
    compat.validate(input);
    expect(input).toEqual(copy);
  });

  it('is fast enough for thousands of events per second', () => {
    const input = envelope(1, JSON.stringify(payload(1)));
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5000; i += 1) strict.validate(input);
    const perEventUs = Number(process.hrtime.bigint() - start) / 1000 / 5000;
    expect(perEventUs).toBeLessThan(500); // typically ~20µs; generous for slow CI machines
  });
});
