import type { AttemptObserver, AttemptReport } from '@orderbus/dispatch';
import type { Logger } from '@orderbus/observability';
import type { FailedAttempt } from './health';
import type { HealthPolicy } from './health-policy';
import type { HealthStore } from './health-store';
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

  async onAttempt(report: AttemptReport): Promise<void> {
    const { subscription, outcome, attemptNumber, job } = report;
    const ok = outcome.kind === 'delivered';
    const failure: FailedAttempt | undefined = ok
      ? undefined
      : {
          at: outcome.attempt.startedAt,
          eventId: job.data.event.eventId,
          attemptNumber,
          ...(outcome.attempt.status !== undefined ? { status: outcome.attempt.status } : {}),
          resultClass: outcome.attempt.resultClass,
          message: outcome.attempt.message.slice(0, 300),
        };
    const change = await this.health.record(subscription.baseCode, {
      ok,
      at: outcome.attempt.startedAt,
      durationMs: outcome.attempt.durationMs,
      ...(failure ? { failure } : {}),
    });
    if (change.state !== change.previousState) {
      this.logger.info('subscription health changed', { baseCode: subscription.baseCode, from: change.previousState, to: change.state });
    }
    if (ok) return;

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
