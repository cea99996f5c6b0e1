import fc from 'fast-check';
import { JOBS_PER_TRANSACTION, MAX_ORDER_JOBS_PER_TRANSACTION, splitIntoTransactions, type SplitItem, type SplitLimits } from '../src';

const items: fc.Arbitrary<SplitItem[]> = fc.array(
  fc.record({ jobs: fc.integer({ min: 1, max: 30 }), orderKey: fc.option(fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6'), { nil: undefined }) }),
  { maxLength: 200 },
);
const limits: fc.Arbitrary<SplitLimits> = fc
  .record({ jobsPerTransaction: fc.integer({ min: 1, max: 120 }), extra: fc.integer({ min: 0, max: 300 }) })
  .map(({ jobsPerTransaction, extra }) => ({ jobsPerTransaction, maxOrderJobsPerTransaction: jobsPerTransaction + extra }));

const jobsOf = (list: readonly SplitItem[], indexes: readonly number[]): number => indexes.reduce((n, i) => n + list[i]!.jobs, 0);

describe('splitIntoTransactions', () => {
  it('puts every event in exactly one transaction, each transaction in request order and not empty', () => {
    fc.assert(
      fc.property(items, limits, (list, limit) => {
        const transactions = splitIntoTransactions(list, limit).flat();
        expect(transactions.flat().sort((a, b) => a - b)).toEqual(list.map((_, i) => i));
        for (const indexes of transactions) expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
        expect(transactions.every((indexes) => indexes.length > 0)).toBe(true);
      }),
    );
  });

  it("keeps a work order's events of one wave in one transaction, and its earlier events in earlier waves", () => {
    fc.assert(
      fc.property(items, limits, (list, limit) => {
        const lastIndexOfOrder = new Map<string, number>();
        splitIntoTransactions(list, limit).forEach((wave) => {
          const transactionOf = new Map<string, number>();
          const inThisWave: Array<[string, number]> = [];
          wave.forEach((indexes, t) => {
            for (const i of indexes) {
              const orderKey = list[i]!.orderKey;
              if (orderKey === undefined) continue;
              expect(transactionOf.get(orderKey) ?? t).toBe(t);
              transactionOf.set(orderKey, t);
              // Every event of the order in an earlier wave came earlier in the request.
              expect(i).toBeGreaterThan(lastIndexOfOrder.get(orderKey) ?? -1);
              inThisWave.push([orderKey, i]);
            }
          });
          for (const [orderKey, i] of inThisWave) lastIndexOfOrder.set(orderKey, Math.max(i, lastIndexOfOrder.get(orderKey) ?? -1));
        });
      }),
    );
  });

  it('bounds a transaction: beyond jobsPerTransaction only with one order (or one event), beyond the order cap only with one event', () => {
    fc.assert(
      fc.property(items, limits, (list, limit) => {
        for (const indexes of splitIntoTransactions(list, limit).flat()) {
          const jobs = jobsOf(list, indexes);
          if (indexes.length === 1) continue;
          if (jobs > limit.jobsPerTransaction) {
            const orders = new Set(indexes.map((i) => list[i]!.orderKey));
            expect(orders.size).toBe(1);
            expect([...orders][0]).toBeDefined();
            expect(jobs).toBeLessThanOrEqual(limit.maxOrderJobsPerTransaction);
          }
        }
      }),
    );
  });

  it('without work orders, fills each transaction up to the limit before the next, all in one wave', () => {
    const list = Array.from({ length: 25 }, () => ({ jobs: 10 }));
    expect(splitIntoTransactions(list, { jobsPerTransaction: 100, maxOrderJobsPerTransaction: 2000 }).map((wave) => wave.map((t) => t.length))).toEqual([[10, 10, 5]]);
    expect(splitIntoTransactions([{ jobs: 250 }, { jobs: 1 }], { jobsPerTransaction: 100, maxOrderJobsPerTransaction: 2000 })).toEqual([[[0], [1]]]);
    // The default limits are the constants.
    const many = Array.from({ length: JOBS_PER_TRANSACTION + 1 }, () => ({ jobs: 1 }));
    expect(splitIntoTransactions(many).map((wave) => wave.map((t) => t.length))).toEqual([[JOBS_PER_TRANSACTION, 1]]);
  });

  it('writes one big order in waves of at most MAX_ORDER_JOBS_PER_TRANSACTION jobs', () => {
    // 500 events of one order for 20 subscriptions: 10,000 jobs.
    const list = Array.from({ length: 500 }, () => ({ jobs: 20, orderKey: 'o1' }));
    const waves = splitIntoTransactions(list);
    expect(waves).toHaveLength(Math.ceil(10_000 / MAX_ORDER_JOBS_PER_TRANSACTION));
    for (const wave of waves) {
      expect(wave).toHaveLength(1);
      expect(jobsOf(list, wave[0]!)).toBeLessThanOrEqual(MAX_ORDER_JOBS_PER_TRANSACTION);
    }
  });
});
