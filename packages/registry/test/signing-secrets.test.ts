import { Redis } from 'ioredis';
import { ValidationError } from '@orderbus/core';
import { startRedisServer, uniquePrefix, type TestRedis } from '@orderbus/testkit';
import { SigningSecretCache, SubscriptionCache, SubscriptionStore, activeSigningSecrets } from '../src';

const input = { callbackUrl: 'https://erp.example.com/hook', contact: { name: 'n', email: 'n@example.com' } };

describe('signing secrets', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer({ appendonly: false });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('rotates: a new secret, the old ones expire after the grace period, the registry version moves', async () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const store = new SubscriptionStore(redis, uniquePrefix(), () => now);
    const created = await store.put('ROT', input);
    const version = await store.version();

    now = new Date('2025-01-01T01:00:00Z');
    const rotated = await store.rotateSecret('ROT', 600);
    expect(rotated.signingSecret).toMatch(/^whsec_/);
    expect(rotated.previousSecretExpiresAt).toBe('2025-01-01T01:10:00.000Z');
    expect(await store.version()).toBeGreaterThan(version);
    const secrets = await store.secrets('ROT');
    expect(activeSigningSecrets(secrets, now).map((s) => s.secret)).toEqual([rotated.signingSecret, created.secret]);
    expect(activeSigningSecrets(secrets, new Date('2025-01-01T01:10:00Z')).map((s) => s.secret)).toEqual([rotated.signingSecret]);

    // A second rotation drops what has expired and keeps the earlier expiry of the first secret.
    now = new Date('2025-01-01T01:05:00Z');
    const again = await store.rotateSecret('ROT', 3600);
    const after = await store.secrets('ROT');
    expect(after.map((s) => s.secret)).toEqual([again.signingSecret, rotated.signingSecret, created.secret]);
    expect(after.find((s) => s.secret === created.secret)!.expiresAt).toBe('2025-01-01T01:10:00.000Z');
    await expect(store.rotateSecret('NOPE', 60)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the worker cache reloads secrets only when the registry version moved', async () => {
    const prefix = uniquePrefix();
    const store = new SubscriptionStore(redis, prefix);
    const { secret } = await store.put('CACHED', input);
    const subscriptions = new SubscriptionCache(redis, prefix);
    await subscriptions.current();
    const cache = new SigningSecretCache(redis, prefix, subscriptions);
    expect((await cache.activeSecretsOf('CACHED')).map((s) => s.secret)).toEqual([secret]);

    const commands: string[] = [];
    const monitor = await redis.monitor();
    monitor.on('monitor', (_t: string, args: string[]) => commands.push(args.join(' ')));
    for (let i = 0; i < 5; i++) await cache.activeSecretsOf('CACHED');
    const rotated = await store.rotateSecret('CACHED', 60);
    // Not seen before the worker's cache learns the new version...
    expect((await cache.activeSecretsOf('CACHED')).map((s) => s.secret)).toEqual([secret]);
    await subscriptions.current();
    expect((await cache.activeSecretsOf('CACHED')).map((s) => s.secret)).toEqual([rotated.signingSecret, secret]);
    await new Promise((r) => setTimeout(r, 50));
    monitor.disconnect();
    expect(commands.filter((c) => c.startsWith('hgetall') && c.includes('subscription-secrets'))).toHaveLength(1);
  });

  it('the worker cache stops signing with a secret once it expires, without a reload', async () => {
    const prefix = uniquePrefix();
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = new SubscriptionStore(redis, prefix, () => new Date(now));
    const { secret } = await store.put('EXPIRES', input);
    const rotated = await store.rotateSecret('EXPIRES', 600);
    const subscriptions = new SubscriptionCache(redis, prefix);
    await subscriptions.current();
    const cache = new SigningSecretCache(redis, prefix, subscriptions, () => now);
    const first = await cache.activeSecretsOf('EXPIRES');
    expect(first.map((s) => s.secret)).toEqual([rotated.signingSecret, secret]);
    // Until something expires, every delivery gets the same list.
    now += 599_000;
    expect(await cache.activeSecretsOf('EXPIRES')).toBe(first);
    now += 1_000;
    expect((await cache.activeSecretsOf('EXPIRES')).map((s) => s.secret)).toEqual([rotated.signingSecret]);
  });

  it('refuses a callback URL its check refuses, on /callbackUrl', async () => {
    const store = new SubscriptionStore(redis, uniquePrefix(), undefined, {
      checkCallbackUrl: async (url) => (url.includes('127.0.0.1') ? 'the address 127.0.0.1 is internal' : undefined),
    });
    const refused = await store.put('SSRF', { ...input, callbackUrl: 'http://127.0.0.1:8080/cb' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).problems).toEqual([{ path: '/callbackUrl', code: 'callback_refused', message: expect.stringContaining('127.0.0.1') }]);
    expect(await store.get('SSRF')).toBeUndefined();
    expect((await store.put('SSRF', input)).created).toBe(true);
  });
});
