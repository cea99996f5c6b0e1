import fc from 'fast-check';
import { DeliveryBodySerializer, type AnyDeliveryBody } from '../src';

const workOrderBody = (eventId: string, baseCode: string, data: Record<string, unknown>) => ({
  eventId,
  baseCode,
  dataArea: 'fwwt',
  changeId: '1',
  occurredAt: '2026-12-03T10:00:00.000Z',
  acceptedAt: '2026-12-03T10:00:00.010Z',
  data,
});

describe('DeliveryBodySerializer', () => {
  it('writes exactly what JSON.stringify writes, for every subscription of an event and any data', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            eventId: fc.string({ unit: 'grapheme', maxLength: 12 }),
            baseCodes: fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { minLength: 1, maxLength: 4 }),
            data: fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue()),
          }),
          { maxLength: 20 },
        ),
        (events) => {
          const serializer = new DeliveryBodySerializer(2000);
          // An eventId means one event: the same data whichever subscription it goes to.
          const seen = new Map<string, Record<string, unknown>>();
          for (const { eventId, baseCodes, data } of events) {
            const eventData = seen.get(eventId) ?? data;
            seen.set(eventId, eventData);
            for (const baseCode of baseCodes) {
              const body = workOrderBody(eventId, baseCode, eventData);
              expect(serializer.serialize(body)).toBe(JSON.stringify(body));
            }
          }
        },
      ),
    );
  });

  it('tells apart an eventId accepted again later (its idempotency record expired) with other data', () => {
    const serializer = new DeliveryBodySerializer();
    const first = workOrderBody('again', 'B', { n: 1 });
    const later = { ...workOrderBody('again', 'B', { n: 2 }), acceptedAt: '2026-12-05T10:00:00.000Z' };
    expect(serializer.serialize(first)).toBe(JSON.stringify(first));
    expect(serializer.serialize(later)).toBe(JSON.stringify(later));
  });

  it('leaves other bodies, and work-order bodies missing a field, to JSON.stringify', () => {
    const serializer = new DeliveryBodySerializer();
    const thin: AnyDeliveryBody = { eventId: 'e1', family: 'org', type: 'org.changed', key: null, occurredAt: '2026-12-03T10:00:00.000Z' };
    expect(serializer.serialize(thin)).toBe(JSON.stringify(thin));
    const { acceptedAt: _a, ...partial } = workOrderBody('e2', 'B', { a: 1 });
    expect(serializer.serialize(partial as unknown as AnyDeliveryBody)).toBe(JSON.stringify(partial));
  });
});
