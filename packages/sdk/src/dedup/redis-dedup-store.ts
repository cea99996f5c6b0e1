import type { DedupStore } from './dedup-store';

/**
 * The commands RedisDedupStore uses, as ioredis spells them (`new Redis(url)`
 * fits as is). For node-redis, adapt `set` to `client.set(key, value, {PX, NX: true})`.
 */
export interface RedisDedupClient {
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<string | null>;
  exists(key: string): Promise<number>;
  del(key: string): Promise<number>;
}

export interface RedisDedupStoreOptions {
  /** Key prefix (default `orderbus:seen:`); the event id follows it. */
  prefix?: string;
}

/**
 * A DedupStore in Redis, shared by every process of a receiver: one key per
 * event id, claimed with `SET key 1 PX ttl NX` (atomic), expiring by itself.
 */
export class RedisDedupStore implements DedupStore {
  private readonly prefix: string;

  constructor(
    private readonly client: RedisDedupClient,
    options: RedisDedupStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'orderbus:seen:';
  }

  async seen(id: string): Promise<boolean> {
    return (await this.client.exists(this.prefix + id)) === 1;
  }

  async remember(id: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.prefix + id, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
  }

  async forget(id: string): Promise<void> {
    await this.client.del(this.prefix + id);
  }
}
