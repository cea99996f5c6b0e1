import { RecordCoalescer } from '../src';

/** A coalescer whose writes are recorded and answer each record doubled; a record of -1 fails its write. */
function recording(delayMs: number, maxRecords = 100) {
  const writes: Array<{ key: string; records: number[] }> = [];
  const coalescer = new RecordCoalescer<number, number>({
    delayMs,
    maxRecords,
    write: async (key, records) => {
      writes.push({ key, records: [...records] });
      if (records.includes(-1)) throw new Error(`write of ${key} failed`);
      return records.map((r) => r * 2);
    },
  });
  return { coalescer, writes };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('RecordCoalescer', () => {
  it('writes the records of a key added together in one write, in order, each caller getting its own result', async () => {
    const { coalescer, writes } = recording(0);
    const results = await Promise.all([coalescer.add('A', 1), coalescer.add('B', 10), coalescer.add('A', 2), coalescer.add('A', 3)]);
    expect(results).toEqual([2, 20, 4, 6]);
    expect(writes).toEqual([
      { key: 'A', records: [1, 2, 3] },
      { key: 'B', records: [10] },
    ]);
  });

  it('holds records back for delayMs; a record added now goes at the end of the turn with the waiting records of its key only', async () => {
    const { coalescer, writes } = recording(60_000);
    const a1 = coalescer.add('A', 1);
    const b1 = coalescer.add('B', 5);
    await turn();
    expect(writes).toEqual([]);
    const a2 = coalescer.add('A', 2, true);
    expect(writes).toEqual([]);
    expect(await a2).toBe(4);
    expect(await a1).toBe(2);
    expect(writes).toEqual([{ key: 'A', records: [1, 2] }]);
    coalescer.flush();
    expect(await b1).toBe(10);
    expect(writes).toEqual([
      { key: 'A', records: [1, 2] },
      { key: 'B', records: [5] },
    ]);
    // Closing: a record added after flush() does not wait for the delay.
    expect(await coalescer.add('C', 7)).toBe(14);
    expect(writes).toEqual([
      { key: 'A', records: [1, 2] },
      { key: 'B', records: [5] },
      { key: 'C', records: [7] },
    ]);
  });

  it('writes what waited once delayMs has passed', async () => {
    const { coalescer, writes } = recording(30);
    const started = Date.now();
    expect(await Promise.all([coalescer.add('A', 1), coalescer.add('A', 2)])).toEqual([2, 4]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(writes).toEqual([{ key: 'A', records: [1, 2] }]);
  });

  it('gives each key its own delay, so keys that began waiting at different moments are written at different moments', async () => {
    const writtenAt: Record<string, number> = {};
    const coalescer = new RecordCoalescer<number, number>({
      delayMs: 150,
      maxRecords: 10,
      write: async (key, records) => {
        writtenAt[key] = Date.now();
        return [...records];
      },
    });
    const a = coalescer.add('A', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const b = coalescer.add('B', 2);
    await Promise.all([a, b]);
    expect(writtenAt.B! - writtenAt.A!).toBeGreaterThanOrEqual(60);
  });

  it('writes at most maxRecords per call, and a key that fills them goes without waiting', async () => {
    const { coalescer, writes } = recording(60_000, 3);
    const results = await Promise.all([1, 2, 3, 4, 5].map((r) => coalescer.add('A', r)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    // The third record filled a write: it went at the end of the turn with the ones added with it.
    expect(writes).toEqual([
      { key: 'A', records: [1, 2, 3] },
      { key: 'A', records: [4, 5] },
    ]);
  });

  it('rejects the records of a failed write only', async () => {
    const { coalescer } = recording(0);
    const results = await Promise.allSettled([coalescer.add('A', 1), coalescer.add('A', -1), coalescer.add('B', 2)]);
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('write of A failed') },
      { status: 'rejected', reason: new Error('write of A failed') },
      { status: 'fulfilled', value: 4 },
    ]);
  });

  it('rejects records whose write answered fewer results than records', async () => {
    const coalescer = new RecordCoalescer<number, number>({ delayMs: 0, maxRecords: 10, write: async () => [1] });
    const results = await Promise.allSettled([coalescer.add('A', 1), coalescer.add('A', 2)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('answered 1 results') } });
  });
});
