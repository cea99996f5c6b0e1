/** How a RecordCoalescer writes one key's records. */
export interface RecordCoalescerOptions<T, R> {
  /**
   * Longest a record waits for others of its key (ms). 0: only the records
   * added in the same burst of callbacks are written together.
   */
  delayMs: number;
  /** Records of one key in one write at most (bounds the size of one script call). */
  maxRecords: number;
  /** Writes one key's records, in the order they were added; resolves to one result per record. */
  write: (key: string, records: readonly T[]) => Promise<readonly R[]>;
}

interface Pending<T, R> {
  record: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects records per key (a subscription's baseCode) and writes each key's
 * records with one call, in the order they were added.
 *
 * A delivery's bookkeeping (its attempt record, the subscription's health)
 * costs Redis a script invocation and a dozen commands each when written
 * alone; written together, a subscription's records of the last `delayMs`
 * cost one invocation and, for most of it, one command per key touched. A
 * record added `now` (a failure, which alerts and auto-disable act on) is
 * written at the end of the current burst of callbacks, together with every
 * record of its key still waiting, so a key's records stay in order.
 *
 * Writes of one key may overlap; the caller's `write` must keep them in order
 * (one Redis connection, or one per slot, runs commands in the order sent).
 */
export class RecordCoalescer<T, R> {
  /**
   * Each key's waiting records, and its own timer: keys come due at
   * different moments, so their writes spread over the delay instead of
   * all landing on Redis at once (one long script call holds up every
   * delivery's commands behind it).
   */
  private readonly pending = new Map<string, { records: Array<Pending<T, R>>; timer?: NodeJS.Timeout }>();
  private readonly urgent = new Set<string>();
  private urgentScheduled = false;
  /** After flush(): nothing waits any more (the process is closing). */
  private closing = false;

  constructor(private readonly options: RecordCoalescerOptions<T, R>) {}

  /** Adds a record of `key`; resolves to its result once written. `now`: write it (and its key's waiting records) without waiting. */
  add(key: string, record: T, now = false): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let entry = this.pending.get(key);
      if (!entry) {
        entry = { records: [] };
        this.pending.set(key, entry);
      }
      entry.records.push({ record, resolve, reject });
      if (now || this.closing || this.options.delayMs <= 0 || entry.records.length >= this.options.maxRecords) {
        this.urgent.add(key);
        if (!this.urgentScheduled) {
          this.urgentScheduled = true;
          // After the current burst of callbacks and their promise chains: records added together go together.
          process.nextTick(() => this.writeUrgent());
        }
      } else if (!entry.timer) {
        entry.timer = setTimeout(() => this.writeKey(key), this.options.delayMs);
      }
    });
  }

  /** Writes every waiting record now, and every later one at the end of its turn (the process is closing). */
  flush(): void {
    this.closing = true;
    this.urgent.clear();
    for (const key of [...this.pending.keys()]) this.writeKey(key);
  }

  private writeUrgent(): void {
    this.urgentScheduled = false;
    for (const key of this.urgent) this.writeKey(key);
    this.urgent.clear();
  }

  private writeKey(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    if (entry.timer) clearTimeout(entry.timer);
    this.write(key, entry.records);
  }

  private write(key: string, records: Array<Pending<T, R>>): void {
    for (let i = 0; i < records.length; i += this.options.maxRecords) {
      const chunk = records.slice(i, i + this.options.maxRecords);
      let written: Promise<readonly R[]>;
      try {
        written = this.options.write(key, chunk.map((p) => p.record));
      } catch (err) {
        written = Promise.reject(err);
      }
      written.then(
        (results) => {
          chunk.forEach((p, index) => {
            if (index < results.length) p.resolve(results[index]!);
            else p.reject(new Error(`the write of ${chunk.length} records of ${key} answered ${results.length} results`));
          });
        },
        (err: unknown) => {
          for (const p of chunk) p.reject(err);
        },
      );
    }
  }
}
