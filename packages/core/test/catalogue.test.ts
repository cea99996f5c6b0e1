import { CHANGE_CATALOGUE, CHANGE_IDS, changeType, parseChangeId } from '../src';

describe('catalogue', () => {
  it('names every changeId as agreed', () => {
    expect(Object.fromEntries(CHANGE_IDS.map((id) => [id, changeType(id).name]))).toEqual({
      1: 'order.created',
      2: 'step.handled',
      3: 'order.ended',
      4: 'order.evaluated',
      5: 'step.created',
      6: 'order.hang',
      7: 'order.timeout',
      8: 'order.supervised',
      9: 'order.transferred',
      10: 'order.commented',
    });
  });

  it('marks only changeId 8 unsupported, and keys every order by serviceOrderId', () => {
    expect(CHANGE_IDS.filter((id) => !changeType(id).supported)).toEqual([8]);
    for (const id of CHANGE_IDS) {
      expect(changeType(id)).toMatchObject({ changeId: id, orderKeyField: 'serviceOrderId' });
      expect(changeType(id).title).toMatch(/\S/);
    }
    expect(new Set(CHANGE_IDS.map((id) => changeType(id).name)).size).toBe(10);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CHANGE_CATALOGUE)).toBe(true);
    expect(Object.isFrozen(CHANGE_CATALOGUE[1])).toBe(true);
  });
});

describe('parseChangeId', () => {
  it('accepts 1..10 as numbers and as decimal strings', () => {
    for (const id of CHANGE_IDS) {
      expect(parseChangeId(id)).toBe(id);
      expect(parseChangeId(String(id))).toBe(id);
    }
  });

  it.each([0, 11, -1, 1.5, NaN, Infinity, '0', '11', '01', '1.0', ' 1', '1 ', 'x', '', '0x1', '1e0', null, undefined, true, [1], { id: 1 }])(
    'rejects %p',
    (value) => {
      expect(parseChangeId(value)).toBeUndefined();
    },
  );
});
