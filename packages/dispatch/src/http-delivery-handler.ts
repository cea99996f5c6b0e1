import {
  DEFAULT_DELIVERY_POLICY,
  DeliveryBodySerializer,
  DeliveryPreparationError,
  classifyAttemptError,
  classifyResponse,
  deliveryBodyFor,
  deliveryHeaders,
  scheduleUsedUp,
  sendAttempt,
  signatureHeaders,
  type AttemptResponse,
  type CallbackGuard,
  type DeliveryError,
  type DeliveryPolicy,
} from '@orderbus/delivery';
import type { Logger, Metrics } from '@orderbus/observability';
import type { SigningSecret } from '@orderbus/registry';
import type { AttemptDetails, DeliveryContext, DeliveryHandler, DeliveryJob, DeliveryOutcome } from './delivery-handler';

/** Checked callback URLs kept (one per subscription in practice); beyond that the cache starts over. */
const MAX_CHECKED_URLS = 10_000;

/** Where the handler gets the secrets to sign with (the worker's SigningSecretCache). */
export interface SigningSecretSource {
  /** The unexpired secrets of a subscription, newest first. */
  activeSecretsOf(baseCode: string): Promise<readonly SigningSecret[]>;
}

export interface HttpDeliveryHandlerOptions {
  /** Timeouts, body cap and retry schedules (default DEFAULT_DELIVERY_POLICY). */
  policy?: DeliveryPolicy;
  /** Overrides policy.retry.attemptTimeoutMs. */
  timeoutMs?: number;
  /** Overrides policy.retry.maxResponseBytes. */
  maxResponseBytes?: number;
  /**
   * Signing secrets. Without a source deliveries go unsigned: only for tests
   * of the dispatcher itself; the worker runtime always passes one.
   */
  secrets?: SigningSecretSource;
  /**
   * The SSRF guard, checked before each request (IP literals, localhost
   * names); the `agent` should resolve names through the same guard
   * (createDeliveryAgent). The worker runtime always passes one.
   */
  guard?: CallbackGuard;
  /** The connection pool (one per process); undici's global one when absent. */
  agent?: Parameters<typeof sendAttempt>[1];
  logger: Logger;
  metrics?: Metrics;
  now?: () => number;
}

/**
 * POSTs the event to the subscription's callback, signed (Standard
 * Webhooks), through the SSRF guard, and classifies what happened: a 2xx
 * whose body does not say failure is delivered; everything else is a typed
 * DeliveryError with its result class, whether to stop (`final`: 410, refused
 * URL, or the applicable schedule used up), a Retry-After, and the 410 flag
 * that disables the subscription.
 */
export class HttpDeliveryHandler implements DeliveryHandler {
  private readonly policy: DeliveryPolicy;
  private readonly now: () => number;
  /** Callback URLs that passed the guard's URL checks (static for a URL string): parsed and checked once, not per delivery. */
  private readonly checkedUrls = new Map<string, URL>();
  private readonly deliveryCounters = new Map<string, { inc(): void }>();
  private readonly bodies = new DeliveryBodySerializer();
  private readonly secretStringsOf = new WeakMap<readonly SigningSecret[], readonly string[]>();

  constructor(private readonly options: HttpDeliveryHandlerOptions) {
    const base = options.policy ?? DEFAULT_DELIVERY_POLICY;
    this.policy = {
      ...base,
      retry: {
        ...base.retry,
        ...(options.timeoutMs !== undefined ? { attemptTimeoutMs: options.timeoutMs } : {}),
        ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
      },
    };
    this.now = options.now ?? Date.now;
  }

  async deliver(job: DeliveryJob, context: DeliveryContext): Promise<DeliveryOutcome> {
    const { subscription, attempt } = context;
    const retry = this.policy.retry;
    // The subscription's shape of the event: the work-order envelope, a domain message, or a thin notification.
    const body = deliveryBodyFor(job.data.event, subscription);
    const startedAt = this.now();
    const started = performance.now();
    let response: AttemptResponse | undefined;
    let error: DeliveryError;
    try {
      const url = this.checkedUrl(subscription.callbackUrl);
      const raw = this.bodies.serialize(body);
      const headers = deliveryHeaders(body, attempt, subscription.baseCode);
      await this.sign(headers, subscription.baseCode, body.eventId, raw, startedAt);
      response = await sendAttempt({ url, headers, body: raw, timeoutMs: retry.attemptTimeoutMs, maxResponseBytes: retry.maxResponseBytes }, this.options.agent);
      const classification = classifyResponse(response, retry, this.now());
      if (classification.delivered) {
        this.count('delivered', response.status, response.durationMs);
        // winston formats a debug line even when the level hides it: skip the work on the hot path.
        if (this.options.logger.isDebugEnabled()) {
          this.options.logger.debug('delivered', { eventId: body.eventId, baseCode: subscription.baseCode, attempt, status: response.status });
        }
        return {
          kind: 'delivered',
          attempt: { startedAt, durationMs: Math.round(response.durationMs), status: response.status, resultClass: 'ok', message: `callback answered ${response.status}`, responseSnippet: response.bodySnippet },
        };
      }
      error = classification.error;
    } catch (err) {
      error = classifyAttemptError(err, retry);
    }

    const durationMs = Math.round(response?.durationMs ?? performance.now() - started);
    this.count('failed', response?.status, durationMs);
    const final = error.final || scheduleUsedUp(retry, attempt, error.resultClass);
    const details: AttemptDetails = {
      startedAt,
      durationMs,
      ...(response ? { status: response.status, responseSnippet: response.bodySnippet } : {}),
      resultClass: error.resultClass,
      message: error.detail,
    };
    this.options.logger.info('delivery attempt failed', { eventId: body.eventId, baseCode: subscription.baseCode, attempt, resultClass: error.resultClass, status: response?.status, message: error.detail, final });
    return {
      kind: 'failed',
      attempt: details,
      error,
      ...(final ? { final: true } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      ...(error.disableSubscription ? { disableSubscription: true } : {}),
    };
  }

  private checkedUrl(callbackUrl: string): URL {
    let url = this.checkedUrls.get(callbackUrl);
    if (url) return url;
    if (this.options.guard) url = this.options.guard.assertUrl(callbackUrl);
    else {
      try {
        url = new URL(callbackUrl);
      } catch {
        throw new DeliveryPreparationError('invalid_url', `the callback URL "${callbackUrl}" is not a valid URL`, { final: true });
      }
    }
    if (this.checkedUrls.size >= MAX_CHECKED_URLS) this.checkedUrls.clear();
    this.checkedUrls.set(callbackUrl, url);
    return url;
  }

  /** Adds the signature headers (every active secret of the subscription) to `headers`. */
  private async sign(headers: Record<string, string>, baseCode: string, eventId: string, raw: string, at: number): Promise<void> {
    if (!this.options.secrets) return;
    const secrets = await this.options.secrets.activeSecretsOf(baseCode);
    if (secrets.length === 0) throw new DeliveryPreparationError('no_secret', `subscription ${baseCode} has no unexpired signing secret; nothing was sent`);
    Object.assign(headers, signatureHeaders({ id: eventId, timestampSeconds: Math.floor(at / 1000), body: raw, secrets: this.secretStrings(secrets) }));
  }

  /** The secrets' strings, worked out once per list (the cache hands out the same list until it changes). */
  private secretStrings(secrets: readonly SigningSecret[]): readonly string[] {
    let strings = this.secretStringsOf.get(secrets);
    if (!strings) {
      strings = secrets.map((s) => s.secret);
      this.secretStringsOf.set(secrets, strings);
    }
    return strings;
  }

  private count(outcome: 'delivered' | 'failed', status: number | undefined, durationMs?: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    if (durationMs !== undefined) metrics.deliveryDuration.observe(durationMs / 1000);
    const statusClass = status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
    // The labelled counter, looked up once per outcome and status class (prom-client hashes the labels on every inc otherwise).
    const key = `${outcome} ${statusClass}`;
    let counter = this.deliveryCounters.get(key);
    if (!counter) {
      counter = metrics.deliveries.labels(outcome, statusClass);
      this.deliveryCounters.set(key, counter);
    }
    counter.inc();
  }
}
