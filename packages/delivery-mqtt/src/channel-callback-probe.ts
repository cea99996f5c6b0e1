import type { RetryPolicy } from '@orderbus/delivery';
import type { CallbackProbe, HandshakeResult } from '@orderbus/lifecycle';
import type { Subscription } from '@orderbus/registry';
import { classifyMqttError } from './mqtt-errors';
import type { MqttClientPool } from './mqtt-client-pool';
import { connectTopic } from './mqtt-topics';
import type { ChannelPasswords } from './password-source';

/**
 * The connect handshake per channel: HTTP subscriptions get seed 002's
 * connect POST (the HTTP probe); for an MQTT subscription the broker must be
 * reachable, accept the login, and acknowledge (PUBACK) the same connect
 * message published with QoS 1 on `orderbus/<baseCode>/connect`.
 */
export class ChannelCallbackProbe implements CallbackProbe {
  constructor(
    private readonly http: CallbackProbe,
    private readonly pool: MqttClientPool,
    private readonly passwords: ChannelPasswords,
    private readonly retry: Pick<RetryPolicy, 'attemptTimeoutMs' | 'connectTimeoutMs'>,
  ) {}

  async post(subscription: Subscription, message: { id: string; body: string; topic: string }): Promise<HandshakeResult> {
    const channel = subscription.channel;
    if (channel?.type !== 'mqtt') return this.http.post(subscription, message);
    const topic = connectTopic(subscription.baseCode);
    const started = performance.now();
    try {
      const password = await this.passwords.of(subscription);
      await this.pool.publish(
        { url: channel.url, ...(channel.username !== undefined ? { username: channel.username } : {}), ...(password !== undefined ? { password } : {}) },
        topic,
        message.body,
        this.retry.attemptTimeoutMs,
      );
      return { ok: true, resultClass: 'ok', message: `the broker acknowledged the connect message on ${topic}`, durationMs: performance.now() - started };
    } catch (err) {
      const error = classifyMqttError(err, this.retry);
      return { ok: false, resultClass: error.resultClass, message: error.detail, durationMs: performance.now() - started };
    }
  }
}
