import type { Cluster, Redis } from 'ioredis';
import { OrderbusError, ValidationError } from '@orderbus/core';
import { registryKeys } from './keys';
import { DELETE_SUBSCRIPTION, WRITE_SUBSCRIPTION } from './lua/write-subscription';
import { newSigningSecret, rotateSigningSecrets } from './signing-secret';
import type { SigningSecret, Subscription, SubscriptionStatus } from './subscription';
import { parseSubscriptionInput, validateBaseCode } from './subscription-input';

/** The result of a create-or-update. The secret is only ever returned on creation. */
export interface PutResult {
  subscription: Subscription;
  created: boolean;
  secret?: string;
}

/** Who changes a status, and why; recorded on the subscription. */
export interface StatusChange {
  status: SubscriptionStatus;
  by: string;
  reason: string;
  /** Change only from one of these statuses; otherwise a `state_conflict` error (e.g. auto-disable only what is enabled). */
  onlyFrom?: readonly SubscriptionStatus[];
}

const MAX_CAS_RETRIES = 5;

/** What the store checks beyond the schema. */
export interface SubscriptionStoreOptions {
  /**
   * Checks a callback URL before it is stored (the admin wires the SSRF
   * guard here): resolves with the reason to refuse it, or undefined.
   */
  checkCallbackUrl?: (url: string) => Promise<string | undefined>;
  /** The same for an MQTT channel's broker URL (same guard, same allowlist). */
  checkBrokerUrl?: (url: string) => Promise<string | undefined>;
}

/** The result of a secret rotation. The new secret is shown only here. */
export interface RotateSecretResult {
  signingSecret: string;
  /** When the secrets that were current stop being used for signing (ISO 8601). */
  previousSecretExpiresAt: string;
}

/**
 * Subscriptions in Redis: create, update, read, list, delete, change status.
 * Every write bumps the registry version, which caches watch.
 */
export class SubscriptionStore {
  private readonly keys: ReturnType<typeof registryKeys>;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix: string,
    private readonly now: () => Date = () => new Date(),
    private readonly options: SubscriptionStoreOptions = {},
  ) {
    this.keys = registryKeys(prefix);
  }

  /** Creates the subscription (disabled, with a new secret) or updates its callback, scope and contact. */
  async put(baseCode: string, body: unknown): Promise<PutResult> {
    validateBaseCode(baseCode);
    const input = parseSubscriptionInput(body);
    if (input.channel) {
      const refused = await this.options.checkBrokerUrl?.(input.channel.url);
      if (refused) throw new ValidationError([{ path: '/channel/url', code: 'broker_refused', message: `channel.url is refused: ${refused}.` }], 'The subscription is not valid.');
    } else {
      const refused = await this.options.checkCallbackUrl?.(input.callbackUrl);
      if (refused) throw new ValidationError([{ path: '/callbackUrl', code: 'callback_refused', message: `callbackUrl is refused: ${refused}.` }], 'The subscription is not valid.');
    }
    // The password is written before the subscription: whoever sees the new revision sees the new password.
    const current = input.channel && input.channelPassword === undefined ? await this.get(baseCode) : undefined;
    const hasPassword = input.channel
      ? input.channelPassword !== undefined
        ? input.channelPassword !== ''
        : current?.channel?.type === 'mqtt' && current.channel.hasPassword === true
      : false;
    if (input.channel && input.channelPassword) await this.redis.hset(this.keys.channelPasswords, baseCode, input.channelPassword);
    else if (!hasPassword) await this.redis.hdel(this.keys.channelPasswords, baseCode);
    const channel = input.channel ? { ...input.channel, ...(hasPassword ? { hasPassword: true } : {}) } : undefined;
    return this.update(baseCode, (existing, at) => {
      if (existing) {
        const { channel: _old, ...rest } = existing;
        return {
          ...rest,
          callbackUrl: input.callbackUrl,
          scope: input.scope,
          contact: input.contact,
          ...(input.systemName !== undefined ? { systemName: input.systemName } : {}),
          ...(input.ordering !== undefined ? { ordering: input.ordering } : {}),
          ...(channel ? { channel } : {}),
          ...(input.payload !== undefined ? { payload: input.payload } : {}),
          updatedAt: at,
        };
      }
      return {
        baseCode,
        ...(input.systemName !== undefined ? { systemName: input.systemName } : {}),
        callbackUrl: input.callbackUrl,
        scope: input.scope,
        contact: input.contact,
        ordering: input.ordering ?? true,
        ...(channel ? { channel } : {}),
        ...(input.payload !== undefined ? { payload: input.payload } : {}),
        status: 'disabled',
        statusChangedBy: 'registration',
        statusReason: 'new subscriptions start disabled until enabled',
        statusChangedAt: at,
        createdAt: at,
        updatedAt: at,
        revision: 0,
      };
    });
  }

  /** Sets the status, recording who and why. */
  async setStatus(baseCode: string, change: StatusChange): Promise<Subscription> {
    const result = await this.update(baseCode, (existing, at) => {
      if (!existing) throw new OrderbusError('not_found', `No subscription with baseCode "${baseCode}".`);
      if (change.onlyFrom && !change.onlyFrom.includes(existing.status)) {
        throw new OrderbusError('state_conflict', `Subscription "${baseCode}" is ${existing.status}; it can become ${change.status} only from ${change.onlyFrom.join(' or ')}.`, {
          status: existing.status,
        });
      }
      return { ...existing, status: change.status, statusChangedBy: change.by, statusReason: change.reason, statusChangedAt: at, updatedAt: at };
    });
    return result.subscription;
  }

  async get(baseCode: string): Promise<Subscription | undefined> {
    const json = await this.redis.hget(this.keys.subscriptions, baseCode);
    return json ? (JSON.parse(json) as Subscription) : undefined;
  }

  /** Like get, but a missing subscription is a 404. */
  async require(baseCode: string): Promise<Subscription> {
    const found = await this.get(baseCode);
    if (!found) throw new OrderbusError('not_found', `No subscription with baseCode "${baseCode}".`);
    return found;
  }

  /** Every subscription, sorted by baseCode, with the registry version they were read at. */
  async list(): Promise<{ version: number; subscriptions: Subscription[] }> {
    const [[, version], [, all]] = (await this.redis.multi().get(this.keys.version).hgetall(this.keys.subscriptions).exec()) as [
      [unknown, string | null],
      [unknown, Record<string, string>],
    ];
    const subscriptions = Object.values(all)
      .map((json) => JSON.parse(json) as Subscription)
      .sort((a, b) => a.baseCode.localeCompare(b.baseCode));
    return { version: Number(version ?? 0), subscriptions };
  }

  /**
   * Adds a new signing secret and lets the current ones expire after
   * `graceSeconds`; until then deliveries carry a signature for each. Bumps
   * the registry version, so workers pick the new secret up at once.
   */
  async rotateSecret(baseCode: string, graceSeconds: number): Promise<RotateSecretResult> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      // One MULTI reads the subscription and its secrets as of the same moment.
      const [[, json], [, secretsJson]] = (await this.redis.multi().hget(this.keys.subscriptions, baseCode).hget(this.keys.secrets, baseCode).exec()) as [
        [unknown, string | null],
        [unknown, string | null],
      ];
      if (!json) throw new OrderbusError('not_found', `No subscription with baseCode "${baseCode}".`);
      const existing = JSON.parse(json) as Subscription;
      const now = this.now();
      const rotation = rotateSigningSecrets(secretsJson ? (JSON.parse(secretsJson) as SigningSecret[]) : [], now, graceSeconds);
      const next: Subscription = { ...existing, updatedAt: now.toISOString(), revision: existing.revision + 1 };
      const written = await this.redis.eval(
        WRITE_SUBSCRIPTION,
        3,
        this.keys.subscriptions,
        this.keys.secrets,
        this.keys.version,
        baseCode,
        String(existing.revision),
        JSON.stringify(next),
        JSON.stringify(rotation.secrets),
        this.keys.changed,
      );
      if (written !== -1) return { signingSecret: rotation.added.secret, previousSecretExpiresAt: rotation.previousSecretExpiresAt };
    }
    throw new OrderbusError('state_conflict', `Subscription "${baseCode}" is being changed concurrently; try again.`);
  }

  /** The signing secrets of a subscription (for the worker; never put them in API listings). */
  async secrets(baseCode: string): Promise<SigningSecret[]> {
    const json = await this.redis.hget(this.keys.secrets, baseCode);
    return json ? (JSON.parse(json) as SigningSecret[]) : [];
  }

  /** Every subscription's secrets, for a worker's cache. */
  async allSecrets(): Promise<Map<string, SigningSecret[]>> {
    const all = await this.redis.hgetall(this.keys.secrets);
    return new Map(Object.entries(all).map(([baseCode, json]) => [baseCode, JSON.parse(json) as SigningSecret[]]));
  }

  async delete(baseCode: string): Promise<boolean> {
    const removed = await this.redis.eval(DELETE_SUBSCRIPTION, 3, this.keys.subscriptions, this.keys.secrets, this.keys.version, baseCode, this.keys.changed);
    await this.redis.hdel(this.keys.channelPasswords, baseCode);
    return removed === 1;
  }

  /** The MQTT channel's password of a subscription (for the worker's client; never put it in API answers). */
  async channelPassword(baseCode: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.channelPasswords, baseCode)) ?? undefined;
  }

  /** The registry version: it changes whenever any subscription does. */
  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.version)) ?? 0);
  }

  /** Reads, applies `change`, writes back if nobody wrote in between (retries otherwise). */
  private async update(baseCode: string, change: (existing: Subscription | undefined, at: string) => Subscription): Promise<PutResult> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const existing = await this.get(baseCode);
      const at = this.now().toISOString();
      const next = { ...change(existing, at) };
      const expected = existing?.revision ?? 0;
      next.revision = expected + 1;
      const secret = existing ? undefined : newSigningSecret(this.now());
      const written = await this.redis.eval(
        WRITE_SUBSCRIPTION,
        3,
        this.keys.subscriptions,
        this.keys.secrets,
        this.keys.version,
        baseCode,
        String(expected),
        JSON.stringify(next),
        secret ? JSON.stringify([secret]) : '',
        this.keys.changed,
      );
      if (written !== -1) return { subscription: next, created: !existing, ...(secret ? { secret: secret.secret } : {}) };
    }
    throw new OrderbusError('state_conflict', `Subscription "${baseCode}" is being changed concurrently; try again.`);
  }
}
