import { randomUUID } from 'node:crypto';
import type { Subscription } from '@orderbus/registry';

/** How the callback answered the connect request. */
export interface HandshakeResult {
  ok: boolean;
  status?: number;
  /** Same classes as deliveries: `ok`, `timeout`, `connection_refused`, `http_5xx`, `receiver_rejected`, ... */
  resultClass: string;
  message: string;
  durationMs: number;
  responseSnippet?: string;
}

/**
 * Sends one signed POST to a subscription's callback through the same path
 * as deliveries (SSRF guard, signature, timeouts, classification).
 */
export interface CallbackProbe {
  post(subscription: Subscription, message: { id: string; body: string; topic: string }): Promise<HandshakeResult>;
}

/**
 * The reachability request of seed 002: before a subscription is enabled the
 * bus POSTs `{"baseInfo": {"requestId", "requestTime", "topic": "connect"}}`
 * (plus the baseCode) to the callback; only a success enables it.
 */
export class ConnectHandshake {
  constructor(private readonly probe: CallbackProbe) {}

  async check(subscription: Subscription, now: Date = new Date()): Promise<HandshakeResult> {
    const requestId = `connect-${randomUUID()}`;
    const body = JSON.stringify({
      baseInfo: { requestId, requestTime: now.getTime(), topic: 'connect' },
      baseCode: subscription.baseCode,
    });
    return this.probe.post(subscription, { id: requestId, body, topic: 'connect' });
  }
}
