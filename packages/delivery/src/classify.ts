import type { RetryPolicy } from './delivery-policy';
import { AttemptError } from './errors/attempt-error';
import { DeliveryError } from './errors/delivery-error';
import { DeliveryPreparationError } from './errors/delivery-preparation-error';
import { ResponseError } from './errors/response-error';
import { parseReceiverReply, replyFailure } from './receiver-reply';
import { parseRetryAfter } from './retry-after';

/** What arrived on the wire, as the classifier needs it. */
export interface ResponseFacts {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The first bytes of the body (read up to the policy's cap). */
  bodySnippet: string;
}

/** A delivered attempt, or the typed error that says why not. */
export type Classification = { delivered: true } | { delivered: false; error: DeliveryError };

/**
 * Classifies an answer (pure): a 2xx is delivered unless its body is a seed
 * 002 reply saying failure; 410 is final and disables the subscription; 429
 * and 503 carry their Retry-After; 3xx is a `redirect` failure (never
 * followed); other 4xx are `http_4xx`, retried on the short schedule.
 */
export function classifyResponse(response: ResponseFacts, retry: Pick<RetryPolicy, 'maxRetryAfterMs'>, now: number = Date.now()): Classification {
  const { status } = response;
  const reply = parseReceiverReply(response.bodySnippet);
  const said = reply && typeof reply.message === 'string' && reply.message !== '' ? `: ${reply.message}` : '';
  if (status >= 200 && status < 300) {
    const failure = reply ? replyFailure(reply) : undefined;
    if (!failure) return { delivered: true };
    return { delivered: false, error: new ResponseError('receiver_rejected', `callback answered ${status} but ${failure}`, { status }) };
  }
  const answered = `callback answered ${status}${said}`;
  if (status >= 300 && status < 400) {
    const location = response.headers.location;
    return {
      delivered: false,
      error: new ResponseError('redirect', `${answered} (redirect${location ? ` to ${location}` : ''}, not followed: register the final URL)`, { status }),
    };
  }
  if (status === 410) {
    return { delivered: false, error: new ResponseError('http_410', `${answered} (Gone: the subscription is to be disabled)`, { status, final: true, disableSubscription: true }) };
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], retry.maxRetryAfterMs, now);
    const resultClass = status === 429 ? 'http_429' : 'http_5xx';
    const wait = retryAfterMs !== undefined ? ` (Retry-After ${Math.round(retryAfterMs / 1000)} s)` : '';
    return { delivered: false, error: new ResponseError(resultClass, `${answered}${wait}`, { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }) };
  }
  if (status === 408) return { delivered: false, error: new ResponseError('http_408', answered, { status }) };
  if (status >= 500 && status < 600) return { delivered: false, error: new ResponseError('http_5xx', answered, { status }) };
  if (status >= 400 && status < 500) return { delivered: false, error: new ResponseError('http_4xx', answered, { status }) };
  return { delivered: false, error: new ResponseError('http_unexpected', answered, { status }) };
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$|HOSTNAME_MISMATCH)/;

/**
 * Classifies an error thrown while no answer arrived (pure): a DeliveryError
 * is kept as it is (the SSRF check inside the connection's DNS lookup throws
 * one); undici and system errors become an AttemptError of their class.
 */
export function classifyAttemptError(err: unknown, timeouts: { attemptTimeoutMs: number; connectTimeoutMs: number }): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const found = findCode(err);
  const text = errorText(err);
  const code = found.code ?? '';
  const name = found.name ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || (code === 'ETIMEDOUT' && /connect/i.test(text))) {
    return new AttemptError('connect_timeout', `no connection within ${timeouts.connectTimeoutMs} ms`, { cause: err });
  }
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    return new AttemptError('timeout', `no complete answer within ${timeouts.attemptTimeoutMs} ms`, { cause: err });
  }
  if (code === 'ECONNREFUSED') return new AttemptError('connection_refused', `connection refused (${text})`, { cause: err });
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'ECONNABORTED') {
    return new AttemptError('connection_reset', `connection closed by the receiver before it answered (${text})`, { cause: err });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA' || code === 'ENODATA') {
    return new AttemptError('dns_failure', `the host name did not resolve (${text})`, { cause: err });
  }
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(text)) return new AttemptError('tls_error', `TLS failed (${text})`, { cause: err });
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') return new DeliveryPreparationError('invalid_url', text, { final: true, cause: err });
  return new AttemptError('network_error', text, { cause: err });
}

/** The first `code`/`name` along the error's cause chain (undici wraps system errors). */
function findCode(err: unknown): { code?: string; name?: string } {
  let current: unknown = err;
  let name: string | undefined;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; name?: unknown; cause?: unknown };
    if (name === undefined && typeof e.name === 'string' && e.name !== 'Error' && e.name !== 'TypeError') name = e.name;
    if (typeof e.code === 'string') return { code: e.code, ...(name !== undefined ? { name } : {}) };
    current = e.cause;
  }
  return name !== undefined ? { name } : {};
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
