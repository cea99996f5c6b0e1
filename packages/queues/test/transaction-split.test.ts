import fc from 'fast-check';
import { JOBS_PER_TRANSACTION, splitIntoTransactions, type SplitItem } from '../src';

const items: fc.Arbitrary<SplitItem[]> = fc.array(
  fc.record({ jobs: fc.integer({ min: 1, max: 30 }), orderKey: fc.option(fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6'), { nil: undefined }) }),
  { maxLength: 200 },
);
const maxJobs = fc.integer({ min: 1, max: 120 });

describe('splitIntoTransactions', () => {
  it('puts every event in exactly one transaction, each transaction in request order', () => {
    fc.assert(
      fc.property(items, maxJobs, (list, max) => {
        const transactions = splitIntoTransactions(list, max);
        expect(transactions.flat().sort((a, b) => a - b)).toEqual(list.map((_, i) => i));
        for (const indexes of transactions) expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
        expect(transactions.every((indexes) => indexes.length > 0)).toBe(true);
      }),
    );
  });

  it("keeps all of a work order's events in one transaction", () => {
    fc.assert(
      fc.property(items, maxJobs, (list, max) => {
        const transactionOf = new Map<string, Set<number>>();
        splitIntoTransactions(list, max).forEach((indexes, t) => {
          for (const i of indexes) {
            const orderKey = list[i]!.orderKey;
            if (orderKey === undefined) continue;
            transactionOf.set(orderKey, (transactionOf.get(orderKey) ?? new Set()).add(t));
          }
        });
        for (const set of transactionOf.values()) expect(set.size).toBe(1);
      }),
    );
  });

  it('holds at most maxJobs jobs in a transaction, beyond it only through events of orders it already holds or one big event', () => {
    fc.assert(
      fc.property(items, maxJobs, (list, max) => {
        for (const indexes of splitIntoTransactions(list, max)) {
          const seen = new Set<string>();
          let jobs = 0;
          for (const i of indexes) {
            const item = list[i]!;
            const joinsItsOrder = item.orderKey !== undefined && seen.has(item.orderKey);
            if (!joinsItsOrder && jobs > 0) expect(jobs + item.jobs).toBeLessThanOrEqual(max);
            jobs += item.jobs;
            if (item.orderKey !== undefined) seen.add(item.orderKey);
          }
        }
      }),
    );
  });

  it('without work orders, fills each transaction up to the limit before the next', () => {
    const list = Array.from({ length: 25 }, () => ({ jobs: 10 }));
    expect(splitIntoTransactions(list, 100).map((indexes) => indexes.length)).toEqual([10, 10, 5]);
    expect(splitIntoTransactions([{ jobs: 250 }, { jobs: 1 }], 100)).toEqual([[0], [1]]);
    // The default limit is JOBS_PER_TRANSACTION.
    expect(splitIntoTransactions(Array.from({ length: JOBS_PER_TRANSACTION + 1 }, () => ({ jobs: 1 }))).map((indexes) => indexes.length)).toEqual([JOBS_PER_TRANSACTION, 1]);
  });
});
