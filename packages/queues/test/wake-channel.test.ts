import fc from 'fast-check';
import { readWakeMessage, wakeMessage } from '../src';

describe('wake-up messages', () => {
  it('carry each queue with its job count, and read back the same', () => {
    const baseCode = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(baseCode, fc.integer({ min: 1, max: 100_000 })), { minLength: 1, maxLength: 20, selector: ([b]) => b }), (entries) => {
        expect(readWakeMessage(wakeMessage(new Map(entries)))).toEqual(entries.map(([b, jobs]) => ({ baseCode: b, jobs })));
      }),
    );
  });

  it('read a bare baseCode (admin, dead-letter replay, an older producer) as a wake-up without a count', () => {
    expect(readWakeMessage('S1,S2:3,S3')).toEqual([{ baseCode: 'S1' }, { baseCode: 'S2', jobs: 3 }, { baseCode: 'S3' }]);
  });

  it('read a count that is not a positive whole number as no count, and skip empty entries', () => {
    expect(readWakeMessage('S1:0,S2:x,,S3:-1,S4:2.5')).toEqual([{ baseCode: 'S1' }, { baseCode: 'S2' }, { baseCode: 'S3' }, { baseCode: 'S4' }]);
  });
});
