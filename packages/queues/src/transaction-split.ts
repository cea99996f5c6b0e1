/**
 * Jobs per MULTI/EXEC on a single node, as a target (see `splitIntoTransactions`).
 *
 * Redis runs an EXEC to its end before it serves anyone else, so every
 * worker's claim and completion waits behind the producer's transactions.
 * One MULTI of 1,000 jobs (100 events for 10 subscriptions) held Redis for
 * tens of milliseconds, and the worker's deliveries slowed to a third while
 * the producer was ingesting; transactions of 100 jobs, sent together,
 * leave room between them (docs/benchmarks.md, item 20).
 */
export const JOBS_PER_TRANSACTION = 100;

/**
 * Jobs one work order may put into one transaction. A request whose order
 * has more (say 500 events of one order for 20 subscriptions) is written in
 * waves, each sent once the one before has succeeded; one EXEC of 10,000
 * jobs can outlast the producer's command timeout on a busy machine.
 */
export const MAX_ORDER_JOBS_PER_TRANSACTION = 2000;

/** One event's jobs as the split sees them: how many queues it goes to, and its work order. */
export interface SplitItem {
  /** Jobs the event adds (one per queue). */
  readonly jobs: number;
  /** The work order it belongs to; events of one order are never split apart within a wave. */
  readonly orderKey?: string | undefined;
}

/** Limits of a split (the defaults are the constants above). */
export interface SplitLimits {
  jobsPerTransaction: number;
  maxOrderJobsPerTransaction: number;
}

/**
 * Splits a request's events into waves of transactions: every event whole
 * in one transaction; within a wave, every event of a work order in the
 * same transaction, in request order; a transaction filled with whole
 * orders up to `jobsPerTransaction` jobs (one order's events alone may make
 * it bigger, up to `maxOrderJobsPerTransaction`, beyond which the order's
 * later events go to the next wave).
 *
 * The transactions of a wave go to Redis together; the next wave is sent
 * once they have all succeeded. Keeping an order's events together is what
 * allows that: if a transaction fails whole (EXECABORT, the connection
 * lost) while another of its wave does not, no order has a later event
 * queued (and in its line) while an earlier one is missing; the request
 * fails and its retry adds what is missing.
 *
 * Returns, per wave, per transaction, the items' indexes in request order.
 */
export function splitIntoTransactions(
  items: readonly SplitItem[],
  limits: SplitLimits = { jobsPerTransaction: JOBS_PER_TRANSACTION, maxOrderJobsPerTransaction: MAX_ORDER_JOBS_PER_TRANSACTION },
): number[][][] {
  // Each order's events (an event without an order is a group of its own), cut into pieces that fit a transaction;
  // a group's k-th piece goes to wave k. Pieces in order of their first event.
  const pieces: Array<{ wave: number; indexes: number[]; jobs: number }> = [];
  const openPiece = new Map<string, number>();
  items.forEach((item, index) => {
    const at = item.orderKey === undefined ? undefined : openPiece.get(item.orderKey);
    const piece = at === undefined ? undefined : pieces[at]!;
    if (piece && piece.jobs + item.jobs <= limits.maxOrderJobsPerTransaction) {
      piece.indexes.push(index);
      piece.jobs += item.jobs;
      return;
    }
    pieces.push({ wave: piece ? piece.wave + 1 : 0, indexes: [index], jobs: item.jobs });
    if (item.orderKey !== undefined) openPiece.set(item.orderKey, pieces.length - 1);
  });

  // Whole pieces packed into each wave's transactions, up to jobsPerTransaction (a bigger piece alone).
  const waves: Array<Array<{ indexes: number[]; jobs: number }>> = [];
  for (const piece of pieces) {
    const wave = (waves[piece.wave] ??= []);
    const open = wave[wave.length - 1];
    if (open && open.jobs + piece.jobs <= limits.jobsPerTransaction) {
      open.indexes.push(...piece.indexes);
      open.jobs += piece.jobs;
    } else {
      wave.push({ indexes: [...piece.indexes], jobs: piece.jobs });
    }
  }
  return waves.map((wave) => wave.map((transaction) => transaction.indexes.sort((a, b) => a - b)));
}
