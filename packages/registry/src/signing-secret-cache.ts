import type { Cluster, Redis } from 'ioredis';
import { activeSigningSecrets } from './signing-secret';
import type { SigningSecret } from './subscription';
import type { SubscriptionCache } from './subscription-cache';
import { SubscriptionStore } from './subscription-store';

/**
 * The worker's signing secrets in memory. They are reloaded (one HGETALL)
 * only when the registry version of the subscription cache has moved (every
 * secret rotation bumps it), so a delivery never reads Redis for its secret.
 */
export class SigningSecretCache {
  private readonly store: SubscriptionStore;
  private secrets = new Map<string, SigningSecret[]>();
  private loadedAt = Number.NaN;
  private loading: Promise<void> | undefined;

  constructor(
    redis: Redis | Cluster,
    prefix: string,
    private readonly subscriptions: SubscriptionCache,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new SubscriptionStore(redis, prefix);
  }

  /** The secrets a delivery is signed with now: the unexpired ones, newest first. */
  async activeSecretsOf(baseCode: string): Promise<SigningSecret[]> {
    const version = this.subscriptions.cached().version;
    if (version !== this.loadedAt || version < 0) await this.reload(version);
    return activeSigningSecrets(this.secrets.get(baseCode) ?? [], new Date(this.now()));
  }

  private async reload(version: number): Promise<void> {
    // Concurrent deliveries share one reload. The version is read before the
    // secrets, so the secrets are at least as new as the version they are kept under.
    this.loading ??= this.store
      .allSecrets()
      .then((all) => {
        this.secrets = all;
        this.loadedAt = version;
      })
      .finally(() => {
        this.loading = undefined;
      });
    await this.loading;
  }
}
