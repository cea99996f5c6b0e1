import type { Logger } from '@orderbus/observability';
import type { SubscriptionStore } from '@orderbus/registry';
import type { AlertOutbox } from './alerts/alert-outbox';
import { receiverErrorAlert, type ReceiverErrorNote } from './alerts/alert-templates';
import type { HealthStore } from './health-store';

/**
 * What follows an error a receiver reports about an event it had accepted:
 * it counts in the subscription's health (`receiverErrors`), and the
 * contact gets an e-mail, at most one per `alertThrottleMs` (the same
 * throttle as failure alerts, kept apart from theirs).
 */
export class ReceiverErrors {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly health: HealthStore,
    private readonly outbox: AlertOutbox,
    private readonly logger: Logger,
    private readonly consoleUrl?: string,
  ) {}

  /** Counts the report; returns the subscription's count since its health was last reset. */
  async reported(baseCode: string, report: ReceiverErrorNote, at: number = Date.now()): Promise<number> {
    const count = await this.health.recordReceiverError(baseCode, at);
    if (await this.health.claimAlert(baseCode, 'receiver-error')) {
      const subscription = await this.store.require(baseCode);
      const consoleUrl = this.consoleUrl ? `${this.consoleUrl.replace(/\/$/, '')}/console/#/subscriptions/${encodeURIComponent(baseCode)}` : undefined;
      await this.outbox
        .enqueue(receiverErrorAlert({ subscription, failures: [], report, count, ...(consoleUrl ? { consoleUrl } : {}) }))
        .catch((err: unknown) => this.logger.error('could not queue receiver error alert', { baseCode, err: String(err) }));
    }
    return count;
  }
}
