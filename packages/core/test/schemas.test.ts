import { CHANGE_IDS, DATA_SCHEMAS, createEventValidator, isCompactDate, type ChangeId } from '../src';
import { VALID_PAYLOADS, codesAndPaths, envelope, payload } from './helpers/payloads';

const strict = createEventValidator({ mode: 'strict', enableSupervise: true });
const compat = createEventValidator({ mode: 'compat', enableSupervise: true });

/** The Y fields of each table of the seed, copied by hand (changeId 8 has no table: the common five). */
const TABLE_REQUIRED: Record<ChangeId, string[]> = {
  1: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'templateInstName', 'busiTypeId', 'busiTypeCode', 'busiTypeName', 'trackId', 'trackCode', 'transportTypeId', 'transportTypeName', 'userId', 'userType', 'organId', 'organName', 'communityId', 'eCommunityId', 'createDate', 'remark', 'categoryId', 'isBespeak'],
  5: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'busiTypeCode', 'organId', 'trackId', 'trackCode', 'statusName', 'createDate', 'trackInfo'],
  2: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'busiTypeCode', 'organId', 'trackId', 'trackCode', 'trackName', 'statusName', 'createDate', 'handleDate', 'currentUserId', 'currentEuserId', 'currentUserName', 'trackInfo'],
  3: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'busiTypeCode', 'organId', 'trackId', 'trackCode', 'trackName', 'statusName', 'createDate', 'handleDate', 'overType', 'trackInfo'],
  4: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'evalue', 'evaluator', 'evaluateTime'],
  6: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId', 'trackCode', 'userId', 'eUserId', 'userName', 'planrelievetime', 'hangremark', 'hangStatus', 'factRelieveHang'],
  10: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId', 'trackCode', 'userId', 'eUserId', 'userName', 'comment', 'photo', 'commentType'],
  7: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId', 'trackCode', 'supflag'],
  8: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId'],
  9: ['serviceOrderId', 'serviceOrderCode', 'templateId', 'busiTypeId', 'organId', 'eCommunityId', 'trackId', 'trackCode', 'requserId', 'requserName', 'createDate', 'remark', 'taruserId', 'taruserName'],
};

/** Coded fields and their values per the tables (optional ones also accept ""). */
const TABLE_ENUMS: Record<ChangeId, Record<string, string[]>> = {
  1: { userType: ['1', '2'], categoryId: ['1', '2', '3', '4'], isBespeak: ['0', '1'] },
  5: {},
  2: { userType: ['', '1', '2'], reviewResult: ['', '1', '2'] },
  3: { overType: ['0', '1', '2'] },
  4: {},
  6: { hangStatus: ['0', '1', '2', '3'] },
  10: { commentType: ['1', '2'] },
  7: {},
  8: {},
  9: {},
};

/** Date fields (yyyyMMddHHmmss): required ones, and optional ones where "" means absent. */
const TABLE_DATES: Record<ChangeId, { required: string[]; optional: string[] }> = {
  1: { required: ['createDate'], optional: ['bespeakBegintime', 'bespeakEndtime'] },
  5: { required: ['createDate'], optional: [] },
  2: { required: ['createDate', 'handleDate'], optional: [] },
  3: { required: ['createDate', 'handleDate'], optional: [] },
  4: { required: ['evaluateTime'], optional: [] },
  6: { required: ['planrelievetime', 'factRelieveHang'], optional: ['hangtime'] },
  10: { required: [], optional: ['createTime'] },
  7: { required: [], optional: [] },
  8: { required: [], optional: ['suptime'] },
  9: { required: ['createDate'], optional: [] },
};

function problemsOf(outcome: ReturnType<typeof strict.validate>) {
  return outcome.ok ? codesAndPaths(outcome.event.problems) : codesAndPaths(outcome.problems);
}

describe('DATA_SCHEMAS', () => {
  it('has one draft-07 object schema per changeId, allowing unknown fields', () => {
    for (const id of CHANGE_IDS) {
      const schema = DATA_SCHEMAS[id];
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).not.toBe(false);
    }
  });

  it.each(CHANGE_IDS)('changeId %i requires exactly the fields its table marks Y', (id) => {
    expect([...(DATA_SCHEMAS[id].required ?? [])].sort()).toEqual([...TABLE_REQUIRED[id]].sort());
  });

  it('the valid payloads of the tests cover every field of every table', () => {
    for (const id of CHANGE_IDS) {
      expect(Object.keys(VALID_PAYLOADS[id]).sort()).toEqual(Object.keys(DATA_SCHEMAS[id].properties ?? {}).sort());
    }
  });

  it('is frozen, so nobody can change what the validator compiled', () => {
    expect(Object.isFrozen(DATA_SCHEMAS[1])).toBe(true);
    expect(Object.isFrozen(DATA_SCHEMAS[1].properties?.reqVariables)).toBe(true);
  });

  it('does not make transportTypeId or evalue an enum (the seed contradicts itself)', () => {
    expect(DATA_SCHEMAS[1].properties?.transportTypeId?.enum).toBeUndefined();
    expect(DATA_SCHEMAS[2].properties?.evalue?.enum).toBeUndefined();
    expect(DATA_SCHEMAS[4].properties?.evalue?.enum).toBeUndefined();
  });
});

describe.each(CHANGE_IDS)('changeId %i', (id) => {
  it('accepts the complete valid payload in both modes, without problems', () => {
    for (const validator of [strict, compat]) {
      const outcome = validator.validate(envelope(id, payload(id)));
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.event.problems).toBeUndefined();
      expect(outcome.event.data).toEqual(VALID_PAYLOADS[id]);
      expect(outcome.renamedKeys).toEqual([]);
    }
  });

  it.each(TABLE_REQUIRED[id])('without %s: rejected in strict with that path, accepted in compat', (field) => {
    const input = envelope(id, payload(id, { [field]: undefined }));
    const expected = [{ code: 'required', path: `/data/${field}` }];
    const s = strict.validate(input);
    expect(s.ok).toBe(false);
    expect(problemsOf(s)).toEqual(expected);
    if (!s.ok) expect(s.problems[0]?.message).toBe(`data.${field} is required`);
    const c = compat.validate(input);
    expect(c.ok).toBe(true);
    expect(problemsOf(c)).toEqual(expected);
  });

  const enums = Object.entries(TABLE_ENUMS[id]);
  if (enums.length > 0) {
    it.each(enums)('%s accepts exactly %j', (field, values) => {
      for (const value of values) expect(strict.validate(envelope(id, payload(id, { [field]: value }))).ok).toBe(true);
      for (const value of ['9', ' 1', '01', 'x', ...(values.includes('') ? [] : [''])]) {
        const outcome = strict.validate(envelope(id, payload(id, { [field]: value })));
        expect(problemsOf(outcome)).toEqual([{ code: 'enum', path: `/data/${field}` }]);
      }
      const numeric = strict.validate(envelope(id, payload(id, { [field]: 1 })));
      expect(problemsOf(numeric)).toEqual(expect.arrayContaining([{ code: 'type', path: `/data/${field}` }]));
    });
  }

  const { required: requiredDates, optional: optionalDates } = TABLE_DATES[id];
  it('has date formats exactly on the time fields of its table', () => {
    const formatted = Object.entries(DATA_SCHEMAS[id].properties ?? {}).filter(([, s]) => s.format !== undefined).map(([k]) => k);
    expect(formatted.sort()).toEqual([...requiredDates, ...optionalDates].sort());
  });

  if (requiredDates.length > 0) {
    it.each(requiredDates)('%s must be a yyyyMMddHHmmss date, and not empty', (field) => {
      for (const bad of ['', '2019-08-02 16:16:22', '201908021616', '20191302161622', '20190230000000', '20190802246000']) {
        const outcome = strict.validate(envelope(id, payload(id, { [field]: bad })));
        expect(outcome.ok).toBe(false);
        if (outcome.ok) return;
        expect(codesAndPaths(outcome.problems)).toEqual([{ code: 'format', path: `/data/${field}` }]);
        expect(outcome.problems[0]?.message).toBe(`data.${field} must be a date yyyyMMddHHmmss, got ${JSON.stringify(bad)}`);
      }
      expect(strict.validate(envelope(id, payload(id, { [field]: '20200229235959' }))).ok).toBe(true);
    });
  }

  if (optionalDates.length > 0) {
    it.each(optionalDates)('%s is optional: empty or absent is accepted, a non-date is not', (field) => {
      expect(strict.validate(envelope(id, payload(id, { [field]: '' }))).ok).toBe(true);
      expect(strict.validate(envelope(id, payload(id, { [field]: undefined }))).ok).toBe(true);
      const bad = strict.validate(envelope(id, payload(id, { [field]: '追记时间' })));
      expect(problemsOf(bad)).toEqual([{ code: 'format', path: `/data/${field}` }]);
    });
  }

  it('treats data sent as a JSON string exactly like data sent as an object', () => {
    const asObject = strict.validate(envelope(id, payload(id), { eventId: 'e-1' }));
    const asString = strict.validate(envelope(id, JSON.stringify(payload(id)), { eventId: 'e-1' }));
    expect(asObject.ok && asString.ok).toBe(true);
    if (!asObject.ok || !asString.ok) return;
    expect({ ...asString.event, acceptedAt: 0, occurredAt: 0 }).toEqual({ ...asObject.event, acceptedAt: 0, occurredAt: 0 });
    expect(asString.fingerprint).toBe(asObject.fingerprint);
    // ... also when it breaks the table: same problems.
    const broken = payload(id, { serviceOrderCode: 42 });
    expect(problemsOf(compat.validate(envelope(id, JSON.stringify(broken))))).toEqual(problemsOf(compat.validate(envelope(id, broken))));
  });

  it('rejects a data string that is not JSON with not_json at /data, in both modes', () => {
    for (const validator of [strict, compat]) {
      const outcome = validator.validate(envelope(id, '{"serviceOrderId": "1",}'));
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(codesAndPaths(outcome.problems)).toEqual([{ code: 'not_json', path: '/data' }]);
      expect(outcome.problems[0]?.message).toMatch(/^data is not valid JSON at line 1 column \d+/);
    }
  });

  it('rejects a non-string value of a String field with type', () => {
    const outcome = strict.validate(envelope(id, payload(id, { serviceOrderId: 4503599741262320 })));
    expect(problemsOf(outcome)).toEqual([{ code: 'type', path: '/data/serviceOrderId' }]);
    if (!outcome.ok) expect(outcome.problems[0]?.message).toBe('data.serviceOrderId must be a string, got number');
  });
});

describe('nested objects', () => {
  it('reqVariables (1) and variables (2) are arrays of {title, attrCode, attrValue}', () => {
    const bad1 = strict.validate(envelope(1, payload(1, { reqVariables: [{ title: '紧急程度', attrCode: 1 }, 'x'] })));
    expect(problemsOf(bad1)).toEqual([
      { code: 'type', path: '/data/reqVariables/0/attrCode' },
      { code: 'type', path: '/data/reqVariables/1' },
    ]);
    const bad2 = strict.validate(envelope(2, payload(2, { variables: { title: 'x' } })));
    expect(problemsOf(bad2)).toEqual([{ code: 'type', path: '/data/variables' }]);
  });

  it('changeId 5 currentUser may be one object or an array, with its inner required fields', () => {
    const user = { userId: '94781', eUserId: 'E-94781', userName: '刘凯' };
    expect(strict.validate(envelope(5, payload(5, { currentUser: user }))).ok).toBe(true);
    expect(strict.validate(envelope(5, payload(5, { currentUser: [user, user] }))).ok).toBe(true);
    const missing = strict.validate(envelope(5, payload(5, { currentUser: [user, { userId: '1', userType: '3' }] })));
    expect(problemsOf(missing)).toEqual([
      { code: 'enum', path: '/data/currentUser/1/userType' },
      { code: 'required', path: '/data/currentUser/1/eUserId' },
      { code: 'required', path: '/data/currentUser/1/userName' },
    ].sort((a, b) => a.path.localeCompare(b.path)));
    const single = strict.validate(envelope(5, payload(5, { currentUser: { userId: '1' } })));
    expect(problemsOf(single)).toEqual([
      { code: 'required', path: '/data/currentUser/eUserId' },
      { code: 'required', path: '/data/currentUser/userName' },
    ]);
    const wrong = strict.validate(envelope(5, payload(5, { currentUser: 'me' })));
    expect(problemsOf(wrong)).toEqual([{ code: 'type', path: '/data/currentUser' }]);
    if (!wrong.ok) expect(wrong.problems[0]?.message).toBe('data.currentUser must be an object or an array, got string');
  });

  it('changeId 7 currentUser and supUser are arrays with their inner required fields', () => {
    const outcome = strict.validate(envelope(7, payload(7, { currentUser: [{ userId: '1', eUserId: '2', userName: 'a' }], supUser: [{}] })));
    expect(problemsOf(outcome)).toEqual([
      { code: 'required', path: '/data/currentUser/0/userType' },
      { code: 'required', path: '/data/supUser/0/eUserId' },
      { code: 'required', path: '/data/supUser/0/userId' },
      { code: 'required', path: '/data/supUser/0/userName' },
    ]);
    const notArray = strict.validate(envelope(7, payload(7, { supUser: { userId: '1', eUserId: '2', userName: 'a' } })));
    expect(problemsOf(notArray)).toEqual([{ code: 'type', path: '/data/supUser' }]);
  });

  it('lists every problem at once, in strict and in compat', () => {
    const data = payload(3, { trackId: undefined, overType: '5', createDate: '', handleDate: 20190802 });
    const expected = [
      { code: 'format', path: '/data/createDate' },
      { code: 'enum', path: '/data/overType' },
      { code: 'required', path: '/data/trackId' },
      { code: 'type', path: '/data/handleDate' },
    ];
    expect(problemsOf(strict.validate(envelope(3, data)))).toEqual(codesAndPaths(expected));
    const c = compat.validate(envelope(3, data));
    expect(c.ok).toBe(true);
    expect(problemsOf(c)).toEqual(codesAndPaths(expected));
    if (c.ok) expect(c.event.data.overType).toBe('5'); // kept as sent
  });

  it('allows unknown extra fields in data', () => {
    const outcome = strict.validate(envelope(1, payload(1, { orderKey: '', templateName: '房屋问题', templateCode: 'fwwt' })));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.event.data.templateName).toBe('房屋问题');
  });
});

describe('isCompactDate', () => {
  it('checks shape and calendar', () => {
    expect(isCompactDate('20190802161622')).toBe(true);
    expect(isCompactDate('20000229000000')).toBe(true);
    expect(isCompactDate('19000229000000')).toBe(false);
    expect(isCompactDate('20190431000000')).toBe(false);
    expect(isCompactDate('20190802236000')).toBe(false);
    expect(isCompactDate('２０１９0802161622')).toBe(false);
  });
});
