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
  /** Per baseCode, its active secrets as last worked out, and until when (ms) that answer holds: the next expiry. */
  private active = new Map<string, { secrets: readonly SigningSecret[]; until: number }>();
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
  async activeSecretsOf(baseCode: string): Promise<readonly SigningSecret[]> {
    const version = this.subscriptions.cached().version;
    if (version !== this.loadedAt || version < 0) await this.reload(version);
    // The same array for every delivery until a secret expires or the secrets reload (the signer keys on it).
    const now = this.now();
    const known = this.active.get(baseCode);
    if (known && now < known.until) return known.secrets;
    const all = this.secrets.get(baseCode) ?? [];
    const secrets = activeSigningSecrets(all, new Date(now));
    const until = Math.min(...secrets.map((s) => (s.expiresAt === undefined ? Infinity : Date.parse(s.expiresAt))));
    this.active.set(baseCode, { secrets, until });
    return secrets;
  }

  private async reload(version: number): Promise<void> {
    // Concurrent deliveries share one reload. The version is read before the
    // secrets, so the secrets are at least as new as the version they are kept under.
    this.loading ??= this.store
      .allSecrets()
      .then((all) => {
        this.secrets = all;
        this.active = new Map();
        this.loadedAt = version;
      })
      .finally(() => {
        this.loading = undefined;
      });
    await this.loading;
  }
}
