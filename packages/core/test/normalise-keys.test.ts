import { DATA_SCHEMAS, MAX_DATA_DEPTH, createEventValidator, normaliseKeys } from '../src';
import { codesAndPaths, envelope, payload } from './helpers/payloads';

const strict = createEventValidator({ mode: 'strict', enableSupervise: false });
const compat = createEventValidator({ mode: 'compat', enableSupervise: false });

describe('normaliseKeys', () => {
  it('renames case variants to the table name and trims keys (changeId 1)', () => {
    const input = { userid: '1', usertype: '1', contactname: '噜噜噜', ' remark ': 'x', serviceOrderId: '9' };
    const result = normaliseKeys(input, DATA_SCHEMAS[1]);
    expect(result.data).toEqual({ userId: '1', userType: '1', contactName: '噜噜噜', remark: 'x', serviceOrderId: '9' });
    expect(result.renames).toEqual([
      { from: '/data/userid', to: '/data/userId' },
      { from: '/data/usertype', to: '/data/userType' },
      { from: '/data/contactname', to: '/data/contactName' },
      { from: '/data/ remark ', to: '/data/remark' },
    ]);
    expect(result.problems).toEqual([]);
  });

  it('uses the TABLE spelling even where the table is the odd one (changeId 6)', () => {
    const input = { hangTime: '20190802190659', planRelieveTime: '20190802190722', 'hangRemark ': '挂起测试', 'factRelieveHang ': '', HANGSTATUS: '1' };
    const result = normaliseKeys(input, DATA_SCHEMAS[6]);
    expect(Object.keys(result.data)).toEqual(['hangtime', 'planrelievetime', 'hangremark', 'factRelieveHang', 'hangStatus']);
    expect(result.data.hangremark).toBe('挂起测试');
  });

  it('does not rename unknown keys, only trims them', () => {
    const result = normaliseKeys({ OrderKey: '', ' templateName': 'x' }, DATA_SCHEMAS[1]);
    expect(result.data).toEqual({ OrderKey: '', templateName: 'x' });
    expect(result.renames).toEqual([{ from: '/data/ templateName', to: '/data/templateName' }]);
  });

  it('normalises keys inside the arrays and objects the schema describes', () => {
    const result = normaliseKeys(
      { reqVariables: [{ Title: 't', ATTRCODE: 'c', 'attrValue ': 'v', extra: { UserId: 1 } }], other: [{ userid: 'kept' }] },
      DATA_SCHEMAS[1],
    );
    expect(result.data).toEqual({ reqVariables: [{ title: 't', attrCode: 'c', attrValue: 'v', extra: { UserId: 1 } }], other: [{ userid: 'kept' }] });
    expect(result.renames.map((r) => r.to)).toEqual(['/data/reqVariables/0/title', '/data/reqVariables/0/attrCode', '/data/reqVariables/0/attrValue']);
    // changeId 5 currentUser: as an object and as an array.
    expect(normaliseKeys({ currentuser: { userid: 'a', EUSERID: 'b' } }, DATA_SCHEMAS[5]).data).toEqual({ currentUser: { userId: 'a', eUserId: 'b' } });
    expect(normaliseKeys({ currentUser: [{ username: 'a' }, 'x'] }, DATA_SCHEMAS[5]).data).toEqual({ currentUser: [{ userName: 'a' }, 'x'] });
    // changeId 7 supUser.
    expect(normaliseKeys({ supuser: [{ euserid: 'b' }] }, DATA_SCHEMAS[7]).data).toEqual({ supUser: [{ eUserId: 'b' }] });
  });

  it('keeps the exact name when a variant is also present, reporting duplicate_key at the variant', () => {
    for (const input of [{ userid: 'variant', userId: 'exact' }, { userId: 'exact', userid: 'variant' }]) {
      const result = normaliseKeys(input, DATA_SCHEMAS[1]);
      expect(result.data).toEqual({ userId: 'exact' });
      expect(result.renames).toEqual([]);
      expect(result.problems).toEqual([
        { path: '/data/userid', code: 'duplicate_key', message: 'data.userid duplicates data.userId; the value of data.userId was kept' },
      ]);
    }
    // Two variants and no exact name: the first one sent is kept.
    const two = normaliseKeys({ USERID: 'first', userid: 'second' }, DATA_SCHEMAS[1]);
    expect(two.data).toEqual({ userId: 'first' });
    expect(codesAndPaths(two.problems)).toEqual([{ code: 'duplicate_key', path: '/data/userid' }]);
    // A trimmed key and the exact one.
    const trimmed = normaliseKeys({ 'remark ': 'a', remark: 'b' }, DATA_SCHEMAS[1]);
    expect(trimmed.data).toEqual({ remark: 'b' });
    expect(codesAndPaths(trimmed.problems)).toEqual([{ code: 'duplicate_key', path: '/data/remark ' }]);
  });

  it('drops __proto__, constructor and prototype anywhere, without polluting Object.prototype', () => {
    const input = JSON.parse(
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, " __proto__ ": 1,' +
        ' "reqVariables": [{"__proto__": {"polluted": "yes"}, "title": "t"}],' +
        ' "extra": {"deep": [{"prototype": 1, "keep": 2}], "__proto__": {"polluted": "yes"}}}',
    ) as Record<string, unknown>;
    const before = JSON.stringify(input);
    const result = normaliseKeys(input, DATA_SCHEMAS[1]);
    expect(codesAndPaths(result.problems)).toEqual(
      codesAndPaths([
        { code: 'forbidden_key', path: '/data/__proto__' },
        { code: 'forbidden_key', path: '/data/constructor' },
        { code: 'forbidden_key', path: '/data/ __proto__ ' },
        { code: 'forbidden_key', path: '/data/reqVariables/0/__proto__' },
        { code: 'forbidden_key', path: '/data/extra/deep/0/prototype' },
        { code: 'forbidden_key', path: '/data/extra/__proto__' },
      ]),
    );
    expect(result.data).toEqual({ reqVariables: [{ title: 't' }], extra: { deep: [{ keep: 2 }] } });
    expect(Object.getPrototypeOf(result.data)).toBe(Object.prototype);
    expect(Object.getPrototypeOf((result.data.extra as object))).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    // A consumer merging the result naively cannot reach the prototype either.
    const merged = Object.assign({}, result.data, result.data.extra);
    expect((merged as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(input)).toBe(before);
  });

  it('never modifies its input, and shares values it does not need to copy', () => {
    const extra = { nested: { a: 1 } };
    const input = Object.freeze({ userid: '1', extra, reqVariables: Object.freeze([Object.freeze({ Title: 'x' })]) });
    const result = normaliseKeys(input, DATA_SCHEMAS[1]);
    expect(result.data).toEqual({ userId: '1', extra, reqVariables: [{ title: 'x' }] });
    expect(result.data.extra).toBe(extra); // not described by the schema, nothing forbidden: not copied
    expect(input).toEqual({ userid: '1', extra, reqVariables: [{ Title: 'x' }] });
  });

  it('cuts payloads nested deeper than MAX_DATA_DEPTH with too_deep', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < MAX_DATA_DEPTH + 5; i += 1) deep = { d: deep };
    const result = normaliseKeys({ extra: deep }, DATA_SCHEMAS[4]);
    expect(result.problems.map((p) => p.code)).toEqual(['too_deep']);
    // ... and the validator rejects it in both modes (it protects the bus, not the table).
    for (const v of [strict, compat]) {
      const outcome = v.validate(envelope(4, payload(4, { extra: deep })));
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.problems.map((p) => p.code)).toEqual(['too_deep']);
    }
  });
});

describe('normalisation in the validator', () => {
  it('validates the normalised keys and reports the renames', () => {
    const data = payload(1, { userId: undefined, userType: undefined, contactName: undefined });
    Object.assign(data, { userid: '110640113', usertype: '1', contactname: '噜噜噜' });
    for (const v of [strict, compat]) {
      const outcome = v.validate(envelope(1, data));
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.event.data).toMatchObject({ userId: '110640113', userType: '1', contactName: '噜噜噜' });
      expect(outcome.event.data).not.toHaveProperty('userid');
      expect(outcome.renamedKeys).toEqual([
        '/data/userid -> /data/userId',
        '/data/usertype -> /data/userType',
        '/data/contactname -> /data/contactName',
      ]);
    }
    // compat notes the renames on the event; strict does not (the event is clean).
    const c = compat.validate(envelope(1, data));
    expect(c.ok && codesAndPaths(c.event.problems)).toEqual(
      codesAndPaths(['/data/userid', '/data/usertype', '/data/contactname'].map((path) => ({ code: 'renamed_key', path }))),
    );
    const s = strict.validate(envelope(1, data));
    expect(s.ok && s.event.problems).toBeUndefined();
  });

  it('duplicate_key and forbidden_key in data: rejected in strict, accepted and listed in compat', () => {
    const data = JSON.parse(JSON.stringify(payload(4)).replace('{', '{"__proto__": {"x": 1}, "EVALUE": "1", ')) as Record<string, unknown>;
    const expected = [
      { code: 'forbidden_key', path: '/data/__proto__' },
      { code: 'duplicate_key', path: '/data/EVALUE' },
    ];
    const s = strict.validate(envelope(4, data));
    expect(s.ok).toBe(false);
    if (!s.ok) expect(codesAndPaths(s.problems)).toEqual(codesAndPaths(expected));
    const c = compat.validate(envelope(4, data));
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(codesAndPaths(c.event.problems)).toEqual(codesAndPaths(expected));
    expect(c.event.data.evalue).toBe('4');
    expect(Object.keys(c.event.data)).not.toContain('__proto__');
  });

  it('a __proto__ key at the top level of the envelope is rejected in both modes', () => {
    const input = JSON.parse(`{"dataArea": "fwwt", "changeId": 4, "data": ${JSON.stringify(payload(4))}, "__proto__": {"polluted": true}}`);
    for (const v of [strict, compat]) {
      const outcome = v.validate(input);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(codesAndPaths(outcome.problems)).toEqual([{ code: 'forbidden_key', path: '/__proto__' }]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
