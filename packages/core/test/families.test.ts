import {
  CHANGE_CATALOGUE,
  CUSTOMER_FAMILY,
  EVENT_FAMILIES,
  ORG_FAMILY,
  changeType,
  createDomainMessageValidator,
  createEventValidator,
  epochToIso,
  eventNameOf,
  eventPatternProblem,
  isDomainMessage,
  matchesEventPatterns,
  type ChangeId,
} from '../src';

describe('the family catalogue', () => {
  it('lists workorder (the changeId names), customer and org', () => {
    expect(Object.keys(EVENT_FAMILIES)).toEqual(['workorder', 'customer', 'org']);
    expect(Object.keys(EVENT_FAMILIES.workorder!.types)).toEqual(Object.values(CHANGE_CATALOGUE).map((c) => c.name));
    expect(Object.keys(CUSTOMER_FAMILY.types)).toEqual(['add', 'edit', 'delete']);
    expect(Object.keys(ORG_FAMILY.types)).toEqual(['change', 'add', 'update', 'delete', 'mainResponsible', 'responsible']);
  });

  it('checks subscription event patterns against it', () => {
    for (const ok of ['*', 'customer.*', 'customer.add', 'org.mainResponsible', 'workorder.*', 'workorder.order.created']) expect([ok, eventPatternProblem(ok)]).toEqual([ok, undefined]);
    expect(eventPatternProblem('customer.create')).toContain('known: add, edit, delete');
    expect(eventPatternProblem('parking.*')).toContain('not an event family');
    expect(eventPatternProblem('customer')).toContain('customer.*');
    expect(eventPatternProblem('__proto__.*')).toContain('not an event family');
    expect(matchesEventPatterns(['org.*'], 'org', 'change')).toBe(true);
    expect(matchesEventPatterns(['customer.add'], 'customer', 'edit')).toBe(false);
    expect(matchesEventPatterns('*', 'customer', 'edit')).toBe(true);
  });

  it('names work-order events after the catalogue and leaves changeType total', () => {
    const validator = createEventValidator({ mode: 'compat', enableSupervise: false });
    const outcome = validator.validate({ dataArea: 'fwwt', changeId: 4, data: {} });
    expect(outcome.ok && eventNameOf(outcome.event)).toBe('workorder.order.evaluated');
    // The fan-out names jobs changeType(event.changeId).name: a domain event has no changeId.
    expect(changeType(undefined as unknown as ChangeId).name).toBe('domain-event');
    expect(changeType(1).name).toBe('order.created');
  });

  it('tells a domain message from an envelope and a batch', () => {
    expect(isDomainMessage({ profile: {}, events: {} })).toBe(true);
    expect(isDomainMessage({ events: [] })).toBe(false);
    expect(isDomainMessage({ profile: {}, events: [] })).toBe(false);
    expect(isDomainMessage({ dataArea: 'x', changeId: 1 })).toBe(false);
  });

  it('reads epoch seconds and milliseconds', () => {
    expect(epochToIso(1661154622)).toBe('2022-08-22T07:50:22.000Z');
    expect(epochToIso(1709704232689)).toBe('2024-03-06T05:50:32.689Z');
    expect(epochToIso('1709704232689')).toBe('2024-03-06T05:50:32.689Z');
    expect(epochToIso('2024-01-01 00:00:00')).toBeUndefined();
    expect(epochToIso(-1)).toBeUndefined();
  });
});

describe('domain message validation', () => {
  const strict = createDomainMessageValidator({ mode: 'strict', newId: () => 'generated' });
  const customer = (list: unknown[]) => ({ profile: { poiCode: 's0140001', appType: 'customer', modelId: '140001' }, events: { add: { eventType: '1', eventTs: '1717171717171', customerList: list } } });

  it('accepts numbers sent as strings and orders by the one customer', () => {
    const outcome = strict.validate(customer([{ id: 'c1', projectId: 1001, name: 'n', phone: 'p', sex: '2' }]));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.events[0]!.event).toMatchObject({ eventId: 'generated', family: 'customer', type: 'add', orderKey: 'c1', projectId: '1001' });
  });

  it('has no order key when an event is about several customers', () => {
    const outcome = strict.validate(customer([{ id: 'c1', projectId: 1, name: 'n', phone: 'p' }, { id: 'c2', projectId: 1, name: 'n', phone: 'p' }]));
    expect(outcome.ok && outcome.events[0]!.event.orderKey).toBeUndefined();
  });

  it('rejects what routing needs in both modes, with precise messages', () => {
    const compat = createDomainMessageValidator({ mode: 'compat' });
    const outcome = compat.validate({ profile: { poiCode: 's006', appType: 'org', modelId: 6 }, events: { change: 'now', rename: {} }, extra: 1, msgId: '-bad' });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual(['pattern /msgId', 'type /events/change', 'unknown_event_type /events/rename', 'unknown_field /extra'].sort());
    expect(outcome.problems.find((p) => p.code === 'unknown_field')!.message).toContain('domain-model message');
  });

  it('drops keys that could reach a prototype', () => {
    const outcome = strict.validate(JSON.parse('{"profile":{"poiCode":"s006","appType":"org","modelId":6},"events":{"change":{"eventTs":1,"eventType":1,"__proto__":{"x":1}}}}'));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems).toEqual([expect.objectContaining({ code: 'forbidden_key', path: '/events/change/__proto__' })]);
  });
});
