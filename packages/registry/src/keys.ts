/**
 * Redis keys of the registry. One hash holds every subscription so a process
 * loads the whole registry in one call; a version counter tells caches when
 * to reload. The keys share the hash tag `{registry}`, so the scripts and
 * MULTIs that touch several of them run on a Redis Cluster too (one slot).
 */
export function registryKeys(prefix: string) {
  return {
    /** HASH baseCode -> Subscription JSON. */
    subscriptions: `${prefix}:{registry}:subscriptions`,
    /** HASH baseCode -> SigningSecret[] JSON (kept apart so listings never read secrets). */
    secrets: `${prefix}:{registry}:subscription-secrets`,
    /** HASH baseCode -> MQTT channel password (kept apart so listings never read it). */
    channelPasswords: `${prefix}:{registry}:channel-passwords`,
    /** STRING counter, incremented on every change. */
    version: `${prefix}:{registry}:version`,
    /** Pub/sub channel announcing a new version. */
    changed: `${prefix}:subscriptions:changed`,
  };
}
