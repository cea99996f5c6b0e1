import type { AttemptObserver, AttemptReport } from '@orderbus/dispatch';
import type { Logger } from '@orderbus/observability';
import type { FailedAttempt } from './health';
import type { HealthPolicy } from './health-policy';
import type { HealthChange, HealthStore } from './health-store';
import type { AlertOutbox } from './alerts/alert-outbox';
import { failingAlert } from './alerts/alert-templates';
import type { SubscriptionLifecycle } from './subscription-lifecycle';

/**
 * Turns every finished delivery attempt into health, and health into action:
 * a failure alert to the contact when the subscription turns failing
 * (throttled: one mail per storm), and auto-disable when it has failed
 * `autoDisableAfterConsecutiveFailures` times in a row for at least
 * `autoDisableAfterFailingForMs` — or at once on a 410 Gone.
 */
export class HealthObserver implements AttemptObserver {
  constructor(
    private readonly health: HealthStore,
    private readonly lifecycle: SubscriptionLifecycle,
    private readonly outbox: AlertOutbox,
    private readonly thresholds: HealthPolicy,
    private readonly logger: Logger,
  ) {}

  flush(): void {
    this.health.flush();
  }

  /**
   * Records the attempt in the subscription's health; after a failure, alerts
   * and auto-disables as the new health says. A success may wait to share a
   * write: only its baseCode is held meanwhile, not the report.
   */
  onAttempt(report: AttemptReport): Promise<void> {
    const { subscription, outcome } = report;
    const baseCode = subscription.baseCode;
    if (outcome.kind === 'delivered') {
      return this.health.record(baseCode, { ok: true, at: outcome.attempt.startedAt, durationMs: outcome.attempt.durationMs }).then((change) => this.logChange(baseCode, change));
    }
    const failure: FailedAttempt = {
      at: outcome.attempt.startedAt,
      eventId: report.job.data.event.eventId,
      attemptNumber: report.attemptNumber,
      ...(outcome.attempt.status !== undefined ? { status: outcome.attempt.status } : {}),
      resultClass: outcome.attempt.resultClass,
      message: outcome.attempt.message.slice(0, 300),
    };
    return this.health.record(baseCode, { ok: false, at: outcome.attempt.startedAt, durationMs: outcome.attempt.durationMs, failure }).then((change) => {
      this.logChange(baseCode, change);
      return this.afterFailure(report, change);
    });
  }

  private logChange(baseCode: string, change: HealthChange): void {
    if (change.state !== change.previousState) {
      this.logger.info('subscription health changed', { baseCode, from: change.previousState, to: change.state });
    }
  }

  private async afterFailure(report: AttemptReport, change: HealthChange): Promise<void> {
    const { subscription, outcome, job } = report;
    if (change.state === 'failing' && change.previousState !== 'failing' && (await this.health.claimAlert(subscription.baseCode))) {
      const summary = await this.health.summary(subscription.baseCode);
      await this.outbox
        .enqueue(
          failingAlert({
            subscription,
            failures: summary.recentFailures,
            consecutiveFailures: change.consecutiveFailures,
            ...(change.failingSince !== undefined ? { failingSince: change.failingSince } : {}),
          }),
        )
        .catch((err: unknown) => this.logger.error('could not queue failure alert', { baseCode: subscription.baseCode, err: String(err) }));
    }

    const gone = outcome.kind === 'failed' && outcome.disableSubscription === true;
    const failingLongEnough =
      change.consecutiveFailures >= this.thresholds.autoDisableAfterConsecutiveFailures &&
      change.failingSince !== undefined &&
      outcome.attempt.startedAt - change.failingSince >= this.thresholds.autoDisableAfterFailingForMs;
    if (subscription.status === 'enabled' && (gone || failingLongEnough)) {
      const reason = gone
        ? `the callback answered 410 Gone (event ${job.data.event.eventId})`
        : `${change.consecutiveFailures} failed delivery attempts in a row since ${new Date(change.failingSince!).toISOString()}`;
      const summary = await this.health.summary(subscription.baseCode);
      await this.lifecycle.autoDisable(subscription.baseCode, reason, {
        failures: summary.recentFailures,
        consecutiveFailures: change.consecutiveFailures,
        ...(change.failingSince !== undefined ? { failingSince: change.failingSince } : {}),
      });
    }
  }
}
