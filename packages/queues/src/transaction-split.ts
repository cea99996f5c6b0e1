/**
 * Jobs per MULTI/EXEC on a single node, as a target (see `splitIntoTransactions`).
 *
 * Redis runs an EXEC to its end before it serves anyone else, so every
 * worker's claim and completion waits behind the producer's transactions.
 * One MULTI of 1,000 jobs (100 events for 10 subscriptions) held Redis for
 * tens of milliseconds, and the worker's deliveries slowed to a third while
 * the producer was ingesting; transactions of 100 jobs, sent together,
 * leave room between them (docs/benchmarks.md, "Producer transactions").
 */
export const JOBS_PER_TRANSACTION = 100;

/** One event's jobs as the split sees them: how many queues it goes to, and its work order. */
export interface SplitItem {
  /** Jobs the event adds (one per queue). */
  readonly jobs: number;
  /** The work order it belongs to; events of one order are never split apart. */
  readonly orderKey?: string | undefined;
}

/**
 * Splits a request's events into transactions: each event whole in one
 * transaction, every event of a work order in the same one (in request
 * order), and a new transaction started once the open one holds
 * `maxJobs` jobs.
 *
 * Keeping an order together is what lets the transactions go to Redis
 * without waiting for each other: if one fails and a later one does not,
 * no order has its later event queued (and in its line) while an earlier
 * one is missing; the request fails and its retry adds what is missing.
 * A transaction can hold more than `maxJobs` jobs only through events
 * whose order it already holds, or through one event that alone has more.
 *
 * Returns the items' indexes per transaction, each in request order.
 */
export function splitIntoTransactions(items: readonly SplitItem[], maxJobs: number = JOBS_PER_TRANSACTION): number[][] {
  const transactions: number[][] = [];
  const sizes: number[] = [];
  const transactionOfOrder = new Map<string, number>();
  let open = -1;
  items.forEach((item, index) => {
    let target = item.orderKey === undefined ? undefined : transactionOfOrder.get(item.orderKey);
    if (target === undefined) {
      if (open < 0 || (sizes[open]! > 0 && sizes[open]! + item.jobs > maxJobs)) {
        transactions.push([]);
        sizes.push(0);
        open = transactions.length - 1;
      }
      target = open;
      if (item.orderKey !== undefined) transactionOfOrder.set(item.orderKey, target);
    }
    transactions[target]!.push(index);
    sizes[target] = sizes[target]! + item.jobs;
  });
  return transactions;
}
