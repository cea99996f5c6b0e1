/**
 * Every result class an attempt can end with: stable names (the attempt
 * history, metrics, alerts and docs/subscribers.md use them), what they mean
 * and what follows. `retry` is the schedule a failure of that class is
 * retried on: `schedule` (the policy's), `short` (its clientErrorSchedule),
 * `none` (the event becomes a dead letter at once).
 */
export const RESULT_CLASSES = {
  ok: { stage: 'response', retry: 'none', description: 'Delivered: a 2xx whose body does not say failure.' },
  receiver_rejected: {
    stage: 'response',
    retry: 'schedule',
    description: 'A 2xx whose body, in the seed 002 reply format, says "success": false or a statusCode other than 200.',
  },
  http_5xx: { stage: 'response', retry: 'schedule', description: 'A 5xx answer (503 honours Retry-After).' },
  http_429: { stage: 'response', retry: 'schedule', description: '429 Too Many Requests (honours Retry-After).' },
  http_408: { stage: 'response', retry: 'schedule', description: '408 Request Timeout.' },
  http_410: { stage: 'response', retry: 'none', description: '410 Gone: the receiver is gone for good; the subscription should be disabled.' },
  http_4xx: { stage: 'response', retry: 'short', description: 'Any other 4xx: retried on the short schedule (the receiver may be mid-deploy).' },
  redirect: { stage: 'response', retry: 'schedule', description: 'A 3xx: redirects are not followed; fix the callback URL.' },
  http_unexpected: { stage: 'response', retry: 'schedule', description: 'A status outside 200-599.' },
  timeout: { stage: 'attempt', retry: 'schedule', description: 'No complete answer within the attempt timeout.' },
  connect_timeout: { stage: 'attempt', retry: 'schedule', description: 'The connection was not established within the connect timeout.' },
  connection_refused: { stage: 'attempt', retry: 'schedule', description: 'The connection was refused (nothing listens on the port).' },
  connection_reset: { stage: 'attempt', retry: 'schedule', description: 'The receiver closed or reset the connection before answering.' },
  dns_failure: { stage: 'attempt', retry: 'schedule', description: 'The callback host name did not resolve.' },
  tls_error: { stage: 'attempt', retry: 'schedule', description: 'The TLS handshake failed (certificate expired, wrong name, untrusted...).' },
  network_error: { stage: 'attempt', retry: 'schedule', description: 'Any other error on the wire.' },
  invalid_url: { stage: 'preparation', retry: 'none', description: 'The callback URL is not a valid http(s) URL.' },
  ssrf_refused: {
    stage: 'preparation',
    retry: 'none',
    description: 'The callback host is, or resolves to, a loopback, private, link-local or otherwise internal address and is not allowlisted.',
  },
  no_secret: { stage: 'preparation', retry: 'schedule', description: 'The subscription has no signing secret (nothing was sent).' },
  mqtt_refused: {
    stage: 'response',
    retry: 'schedule',
    description: 'The MQTT broker refused the connection (CONNACK: bad user name or password, not authorized, ...).',
  },
  topic_unresolved: {
    stage: 'preparation',
    retry: 'none',
    description: 'The MQTT topic needs a {tenant} or {projectId} that neither the event nor the subscription channel gives (nothing was sent).',
  },
  internal_error: { stage: 'preparation', retry: 'schedule', description: 'A bug in the bus while delivering (nothing or something was sent).' },
} as const;

export type ResultClass = keyof typeof RESULT_CLASSES;

const CLASS_PREFIX = /^([a-z0-9_]+): /;

/**
 * The result class at the start of a delivery error's message
 * (`http_5xx: callback answered 500`), as BullMQ records it as the job's
 * failedReason; undefined when the message has none.
 */
export function resultClassOfMessage(message: string | undefined | null): ResultClass | undefined {
  const match = message ? CLASS_PREFIX.exec(message) : null;
  return match && match[1]! in RESULT_CLASSES ? (match[1] as ResultClass) : undefined;
}
