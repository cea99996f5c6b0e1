import type { Redis } from 'ioredis';
import { OrderbusError } from '@orderbus/core';
import type { Logger } from '@orderbus/observability';
import type { Subscription, SubscriptionStatus, SubscriptionStore } from '@orderbus/registry';
import { autoDisabledNotice, reEnabledNotice, type AlertContext } from './alerts/alert-templates';
import type { AlertOutbox } from './alerts/alert-outbox';
import type { BacklogTrimmer } from './backlog-trimmer';
import type { ConnectHandshake, HandshakeResult } from './connect-handshake';
import { healthKeys } from './health-keys';
import type { HealthStore } from './health-store';

/** One change of a subscription's status, as kept in its history. */
export interface StatusHistoryEntry {
  at: string;
  status: SubscriptionStatus | 'created';
  by: string;
  reason: string;
}

export interface SubscriptionLifecycleOptions {
  redis: Redis;
  prefix: string;
  store: SubscriptionStore;
  health: HealthStore;
  handshake: ConnectHandshake;
  outbox: AlertOutbox;
  backlog: BacklogTrimmer;
  logger: Logger;
  /** Base URL of the admin console, for links in e-mails. */
  consoleUrl?: string;
}

const HISTORY_KEPT = 100;

/**
 * The state machine of seed 002: disabled (new) → enabled (after a connect
 * handshake) → auto-disabled (by the bus after persistent failure) → enabled
 * (re-enabled manually after a fix) — and disabled by an admin or the owner
 * at any time. Every change is recorded with who and why.
 */
export class SubscriptionLifecycle {
  constructor(private readonly options: SubscriptionLifecycleOptions) {}

  /**
   * Enables a subscription if its callback accepts the connect request.
   * From auto-disabled this is the re-enable: the health is reset, the
   * contact is told, and the backlog drains in order (or is discarded to the
   * dead letters when asked).
   */
  async enable(baseCode: string, request: { by: string; reason?: string; discardBacklog?: boolean }): Promise<{ subscription: Subscription; handshake: HandshakeResult }> {
    const current = await this.options.store.require(baseCode);
    const handshake = await this.options.handshake.check(current);
    if (!handshake.ok) {
      throw new OrderbusError('handshake_failed', `The callback did not accept the connect request: ${handshake.message}`, { handshake, status: current.status });
    }
    if (request.discardBacklog) {
      await this.options.backlog.discardAll(baseCode, `discarded when ${baseCode} was re-enabled by ${request.by}`);
    }
    const wasAutoDisabled = current.status === 'auto-disabled';
    const reason = request.reason ?? (wasAutoDisabled ? 're-enabled after a fix' : 'enabled');
    const subscription = await this.options.store.setStatus(baseCode, { status: 'enabled', by: request.by, reason });
    await this.record(baseCode, { status: 'enabled', by: request.by, reason });
    if (wasAutoDisabled) {
      await this.options.health.reset(baseCode);
      await this.mail(reEnabledNotice, { subscription, failures: [], reason });
    }
    return { subscription, handshake };
  }

  async disable(baseCode: string, request: { by: string; reason?: string }): Promise<Subscription> {
    const reason = request.reason ?? 'disabled';
    const subscription = await this.options.store.setStatus(baseCode, { status: 'disabled', by: request.by, reason });
    await this.record(baseCode, { status: 'disabled', by: request.by, reason });
    return subscription;
  }

  /**
   * Called by the bus when deliveries failed persistently (or the receiver
   * answered 410). Only an enabled subscription is auto-disabled, once, even
   * when several workers decide it at the same moment.
   */
  async autoDisable(baseCode: string, reason: string, context: Omit<AlertContext, 'subscription' | 'reason'>): Promise<Subscription | undefined> {
    let subscription: Subscription;
    try {
      subscription = await this.options.store.setStatus(baseCode, { status: 'auto-disabled', by: 'orderbus', reason, onlyFrom: ['enabled'] });
    } catch (err) {
      if (err instanceof OrderbusError && (err.code === 'state_conflict' || err.code === 'not_found')) return undefined;
      throw err;
    }
    await this.record(baseCode, { status: 'auto-disabled', by: 'orderbus', reason });
    this.options.logger.warn('subscription auto-disabled', { baseCode, reason });
    await this.mail(autoDisabledNotice, { ...context, subscription, reason });
    return subscription;
  }

  /** Notes the creation of a subscription in its history. */
  async created(baseCode: string, by: string): Promise<void> {
    await this.record(baseCode, { status: 'created', by, reason: 'registered (disabled until enabled)' });
  }

  async history(baseCode: string): Promise<StatusHistoryEntry[]> {
    const entries = await this.options.redis.lrange(healthKeys(this.options.prefix, baseCode).statusHistory, 0, -1);
    return entries.map((json) => JSON.parse(json) as StatusHistoryEntry);
  }

  private async record(baseCode: string, entry: Omit<StatusHistoryEntry, 'at'>): Promise<void> {
    const key = healthKeys(this.options.prefix, baseCode).statusHistory;
    await this.options.redis
      .multi()
      .lpush(key, JSON.stringify({ at: new Date().toISOString(), ...entry }))
      .ltrim(key, 0, HISTORY_KEPT - 1)
      .exec();
  }

  private async mail(template: (ctx: AlertContext) => import('./alerts/alert-mail').AlertMail, ctx: Omit<AlertContext, 'consoleUrl'>): Promise<void> {
    const consoleUrl = this.options.consoleUrl ? `${this.options.consoleUrl.replace(/\/$/, '')}/console/#/subscriptions/${ctx.subscription.baseCode}` : undefined;
    try {
      await this.options.outbox.enqueue(template({ ...ctx, ...(consoleUrl ? { consoleUrl } : {}) }));
    } catch (err) {
      // A lost alert must not undo the state change; it is logged for operators.
      this.options.logger.error('could not queue alert mail', { baseCode: ctx.subscription.baseCode, err: err instanceof Error ? err.message : String(err) });
    }
  }
}
