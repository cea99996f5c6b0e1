import fc from 'fast-check';
import { JOBS_PER_TRANSACTION, splitIntoTransactions } from '../src';

const jobsPerEvent = fc.array(fc.integer({ min: 1, max: 150 }), { maxLength: 300 });
const maxJobs = fc.integer({ min: 1, max: 200 });

describe('splitIntoTransactions', () => {
  it('cuts the request into runs of consecutive events, in request order, none empty', () => {
    fc.assert(
      fc.property(jobsPerEvent, maxJobs, (jobs, max) => {
        const runs = splitIntoTransactions(jobs, max);
        expect(runs.flat()).toEqual(jobs.map((_, i) => i));
        expect(runs.every((run) => run.length > 0)).toBe(true);
      }),
    );
  });

  it('holds at most maxJobs jobs in a run unless one event alone has more, and starts a run only when the next event does not fit', () => {
    fc.assert(
      fc.property(jobsPerEvent, maxJobs, (jobs, max) => {
        const runs = splitIntoTransactions(jobs, max);
        const size = (run: number[]): number => run.reduce((n, i) => n + jobs[i]!, 0);
        runs.forEach((run, r) => {
          if (run.length > 1) expect(size(run)).toBeLessThanOrEqual(max);
          const next = runs[r + 1];
          if (next) expect(size(run) + jobs[next[0]!]!).toBeGreaterThan(max);
        });
      }),
    );
  });

  it('fills runs up to the limit: 25 events of 10 jobs in runs of 10, 10 and 5; an event bigger than the limit alone', () => {
    expect(splitIntoTransactions(Array.from({ length: 25 }, () => 10), 100).map((run) => run.length)).toEqual([10, 10, 5]);
    expect(splitIntoTransactions([250, 1], 100)).toEqual([[0], [1]]);
    // The default limit is JOBS_PER_TRANSACTION.
    expect(splitIntoTransactions(Array.from({ length: JOBS_PER_TRANSACTION + 1 }, () => 1)).map((run) => run.length)).toEqual([JOBS_PER_TRANSACTION, 1]);
  });
});
