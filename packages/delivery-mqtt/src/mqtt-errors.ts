import { AttemptError, DeliveryError, classifyAttemptError, type DeliveryErrorOptions, type DeliveryStage } from '@orderbus/delivery';

/** A failure particular to MQTT: the broker refused the connection, or the topic cannot be built. */
export class MqttDeliveryError extends DeliveryError {
  readonly stage: DeliveryStage;

  constructor(resultClass: 'mqtt_refused' | 'topic_unresolved', detail: string, options: DeliveryErrorOptions = {}) {
    super(resultClass, detail, resultClass === 'topic_unresolved' ? { ...options, final: true } : options);
    this.name = 'MqttDeliveryError';
    this.stage = resultClass === 'topic_unresolved' ? 'preparation' : 'response';
  }
}

/** The CONNACK return codes of MQTT 3.1.1 (§3.2.2.3). */
const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/**
 * Classifies what went wrong on an MQTT attempt like an HTTP one, so the
 * same retries, health and auto-disable apply: a CONNACK refusal is
 * `mqtt_refused`; network errors (refused, reset, DNS, TLS) keep their HTTP
 * classes; our own timeouts arrive as AttemptErrors already.
 */
export function classifyMqttError(err: unknown, timeouts: { attemptTimeoutMs: number; connectTimeoutMs: number }): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number') {
    const reason = CONNACK_REASONS[code] ?? `return code ${code}`;
    return new MqttDeliveryError('mqtt_refused', `the broker refused the connection: ${reason}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/^Connection closed/.test(message)) return new AttemptError('connection_reset', 'the broker closed the connection before it acknowledged the message', { cause: err });
  return classifyAttemptError(err, timeouts);
}
