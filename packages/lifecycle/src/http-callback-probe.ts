import type { Dispatcher } from 'undici';
import { classifyAttemptError, classifyResponse, sendAttempt, signatureHeaders, type RetryPolicy } from '@orderbus/delivery';
import type { Subscription, SubscriptionStore } from '@orderbus/registry';
import type { CallbackProbe, HandshakeResult } from './connect-handshake';

/**
 * Posts a control message (the connect request) to a callback the way a
 * delivery goes: signed with the subscription's live secrets, through the
 * SSRF-checking agent, within the policy's timeouts, classified like a
 * delivery answer.
 */
export class HttpCallbackProbe implements CallbackProbe {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly retry: RetryPolicy,
    private readonly agent?: Dispatcher,
  ) {}

  async post(subscription: Subscription, message: { id: string; body: string; topic: string }): Promise<HandshakeResult> {
    const now = Date.now();
    const secrets = (await this.store.secrets(subscription.baseCode))
      .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now)
      .map((s) => s.secret);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'orderbus/0.1',
      'x-orderbus-base-code': subscription.baseCode,
      'x-orderbus-topic': message.topic,
      ...signatureHeaders({ id: message.id, timestampSeconds: Math.floor(now / 1000), body: message.body, secrets }),
    };
    const started = performance.now();
    try {
      const response = await sendAttempt(
        { url: subscription.callbackUrl, headers, body: message.body, timeoutMs: this.retry.attemptTimeoutMs, maxResponseBytes: this.retry.maxResponseBytes },
        this.agent,
      );
      const classification = classifyResponse(response, this.retry);
      const base = { status: response.status, durationMs: response.durationMs, responseSnippet: response.bodySnippet };
      if (classification.delivered) return { ok: true, resultClass: 'ok', message: `callback answered ${response.status}`, ...base };
      return { ok: false, resultClass: classification.error.resultClass, message: classification.error.detail, ...base };
    } catch (err) {
      const error = classifyAttemptError(err, this.retry);
      return { ok: false, resultClass: error.resultClass, message: error.detail, durationMs: performance.now() - started };
    }
  }
}
