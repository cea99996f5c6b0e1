/**
 * Jobs per MULTI/EXEC on a single node, as a target (see `splitIntoTransactions`).
 *
 * Redis runs an EXEC to its end before it serves anyone else, so every
 * worker's claim and completion waits behind the producer's transactions.
 * One MULTI of 1,000 jobs (100 events for 10 subscriptions) held Redis for
 * tens of milliseconds, and the worker's deliveries slowed to a third while
 * the producer was ingesting; transactions of 100 jobs leave room between
 * them (docs/benchmarks.md, item 20).
 */
export const JOBS_PER_TRANSACTION = 100;

/**
 * Splits a request's events, given as how many jobs each adds, into runs of
 * consecutive events: each event whole in one run, a new run started once
 * the open one holds `maxJobs` jobs (an event with more is a run of its own).
 * The runs keep the request's order, so the queues get the events in the
 * order they were sent, as with one transaction.
 *
 * Returns the items' indexes per run.
 */
export function splitIntoTransactions(jobsPerEvent: readonly number[], maxJobs: number = JOBS_PER_TRANSACTION): number[][] {
  const runs: number[][] = [];
  let open: number[] | undefined;
  let size = 0;
  jobsPerEvent.forEach((jobs, index) => {
    if (!open || (size > 0 && size + jobs > maxJobs)) {
      open = [];
      runs.push(open);
      size = 0;
    }
    open.push(index);
    size += jobs;
  });
  return runs;
}
