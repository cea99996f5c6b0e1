import type { Cluster, Redis } from 'ioredis';
import { matchesScope, type ScopedEvent } from './scope';
import type { Subscription } from './subscription';
import { SubscriptionStore } from './subscription-store';

/** An immutable view of the registry at one version. */
export interface RegistrySnapshot {
  version: number;
  subscriptions: readonly Subscription[];
  byBaseCode: ReadonlyMap<string, Subscription>;
}

/**
 * Subscriptions that receive an event: those in scope that are enabled, or
 * auto-disabled (their queue is paused but keeps a backlog).
 */
export function receivingSubscriptions(snapshot: RegistrySnapshot, event: ScopedEvent): Subscription[] {
  return snapshot.subscriptions.filter((s) => s.status !== 'disabled' && matchesScope(s.scope, event));
}

/**
 * Keeps the registry in memory and reloads it only when the version counter
 * moved: a fresh read costs one GET, so every ingest sees subscriptions
 * created a moment before it.
 */
export class SubscriptionCache {
  private snapshot: RegistrySnapshot = { version: -1, subscriptions: [], byBaseCode: new Map() };
  private loading: Promise<RegistrySnapshot> | undefined;
  private readonly store: SubscriptionStore;

  constructor(private readonly redis: Redis | Cluster, prefix: string) {
    this.store = new SubscriptionStore(redis, prefix);
  }

  /** The registry as of now (one GET; a reload only when something changed). */
  async current(): Promise<RegistrySnapshot> {
    const version = await this.store.version();
    if (version === this.snapshot.version) return this.snapshot;
    return this.reload();
  }

  /** The last loaded snapshot, without asking Redis. */
  cached(): RegistrySnapshot {
    return this.snapshot;
  }

  async reload(): Promise<RegistrySnapshot> {
    // Concurrent callers share one reload.
    this.loading ??= this.store
      .list()
      .then(({ version, subscriptions }) => {
        this.snapshot = { version, subscriptions, byBaseCode: new Map(subscriptions.map((s) => [s.baseCode, s])) };
        return this.snapshot;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
