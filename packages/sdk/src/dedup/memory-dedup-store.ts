import type { DedupStore } from './dedup-store';

export interface MemoryDedupStoreOptions {
  /** Most ids kept; beyond it the oldest are dropped first (default 100000). */
  maxEntries?: number;
  /** Clock, for tests (default Date.now). */
  now?: () => number;
}

/**
 * A DedupStore in this process's memory, bounded in size: fine for one
 * receiver process; several processes behind a load balancer need a shared
 * store (RedisDedupStore). A restart forgets everything.
 */
export class MemoryDedupStore implements DedupStore {
  private readonly expiresAt = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryDedupStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.now = options.now ?? Date.now;
  }

  /** Ids remembered now (expired ones may still count until they are looked at or pushed out). */
  get size(): number {
    return this.expiresAt.size;
  }

  async seen(id: string): Promise<boolean> {
    return this.live(id);
  }

  async remember(id: string, ttlMs: number): Promise<boolean> {
    if (this.live(id)) return false;
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.expiresAt.size >= this.maxEntries) {
      const oldest = this.expiresAt.keys().next().value;
      if (oldest === undefined) break;
      this.expiresAt.delete(oldest);
    }
    this.expiresAt.set(id, this.now() + ttlMs);
    return true;
  }

  async forget(id: string): Promise<void> {
    this.expiresAt.delete(id);
  }

  private live(id: string): boolean {
    const at = this.expiresAt.get(id);
    if (at === undefined) return false;
    if (at <= this.now()) {
      this.expiresAt.delete(id);
      return false;
    }
    return true;
  }
}
