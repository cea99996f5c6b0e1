export type { DedupStore } from './dedup-store';
export { MemoryDedupStore, type MemoryDedupStoreOptions } from './memory-dedup-store';
export { RedisDedupStore, type RedisDedupClient, type RedisDedupStoreOptions } from './redis-dedup-store';
export { DEFAULT_DEDUP_TTL_MS, deduplicate, withDedup, type DedupOutcome, type DeduplicateOptions } from './deduplicator';
