import { AttemptError, DeliveryPreparationError, ResponseError, RESULT_CLASSES, classifyAttemptError, classifyResponse, parseRetryAfter, resultClassOfMessage } from '../src';

const retry = { maxRetryAfterMs: 3_600_000 };
const NOW = Date.parse('2025-06-01T12:00:00Z');

function classify(status: number, body: unknown = '', headers: Record<string, string> = {}) {
  const bodySnippet = typeof body === 'string' ? body : JSON.stringify(body);
  return classifyResponse({ status, headers, bodySnippet }, retry, NOW);
}

function failure(status: number, body: unknown = '', headers: Record<string, string> = {}) {
  const result = classify(status, body, headers);
  if (result.delivered) throw new Error(`expected ${status} to fail`);
  return result.error;
}

describe('classifyResponse', () => {
  it('delivers a 2xx, with or without a seed 002 success body', () => {
    expect(classify(200, { result: null, success: true, message: 'success', statusCode: 200, requestId: 'e1', responseTime: 1 })).toEqual({ delivered: true });
    expect(classify(204)).toEqual({ delivered: true });
    expect(classify(200, 'OK')).toEqual({ delivered: true });
    expect(classify(202, { accepted: true })).toEqual({ delivered: true });
    // A body cut at the read cap is not a reply.
    expect(classify(200, '{"success": false, "message": "trunc')).toEqual({ delivered: true });
  });

  it('fails a 2xx whose seed 002 body says success=false or a statusCode other than 200, with its message', () => {
    const rejected = failure(200, { result: null, success: false, message: 'order unknown', statusCode: 200 });
    expect(rejected).toBeInstanceOf(ResponseError);
    expect(rejected.resultClass).toBe('receiver_rejected');
    expect(rejected.detail).toContain('order unknown');
    expect(rejected.final).toBe(false);
    const byStatus = failure(200, { success: true, message: 'busy', statusCode: 500 });
    expect(byStatus.resultClass).toBe('receiver_rejected');
    expect(byStatus.detail).toContain('statusCode 500');
    expect(failure(200, { statusCode: '503' }).resultClass).toBe('receiver_rejected');
    expect(classify(200, { success: true, statusCode: '200' })).toEqual({ delivered: true });
  });

  it('classifies every status family', () => {
    expect(failure(500).resultClass).toBe('http_5xx');
    expect(failure(502, { success: false, message: 'db down' }).detail).toContain('db down');
    expect(failure(408).resultClass).toBe('http_408');
    expect(failure(404).resultClass).toBe('http_4xx');
    expect(failure(401).resultClass).toBe('http_4xx');
    expect(failure(302, '', { location: 'https://elsewhere.example/' }).resultClass).toBe('redirect');
    expect(failure(302, '', { location: 'https://elsewhere.example/' }).detail).toContain('not followed');
    expect(failure(301).final).toBe(false);
    expect(failure(199).resultClass).toBe('http_unexpected');
    for (const status of [500, 408, 404, 302, 429, 503]) expect(failure(status).disableSubscription).toBe(false);
  });

  it('stops on 410 and asks for the subscription to be disabled', () => {
    const gone = failure(410);
    expect(gone.resultClass).toBe('http_410');
    expect(gone.final).toBe(true);
    expect(gone.disableSubscription).toBe(true);
  });

  it('honours Retry-After on 429 and 503 only, in seconds or as an HTTP date, capped', () => {
    expect(failure(429, '', { 'retry-after': '7' }).retryAfterMs).toBe(7000);
    expect(failure(503, '', { 'retry-after': new Date(NOW + 90_000).toUTCString() }).retryAfterMs).toBe(90_000);
    expect(failure(429, '', { 'retry-after': '999999' }).retryAfterMs).toBe(3_600_000);
    expect(failure(429).retryAfterMs).toBeUndefined();
    expect(failure(500, '', { 'retry-after': '7' }).retryAfterMs).toBeUndefined();
    expect(failure(429, '', { 'retry-after': '7' }).resultClass).toBe('http_429');
    expect(failure(503, '', { 'retry-after': '7' }).resultClass).toBe('http_5xx');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and dates, rejects junk', () => {
    expect(parseRetryAfter('0', 1000, NOW)).toBe(0);
    expect(parseRetryAfter(' 3 ', 10_000, NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW - 5000).toUTCString(), 10_000, NOW)).toBe(0);
    expect(parseRetryAfter('soon', 10_000, NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', 10_000, NOW)).toBeUndefined();
    expect(parseRetryAfter('12345678901234567890', 10_000, NOW)).toBe(10_000);
    expect(parseRetryAfter(undefined, 10_000, NOW)).toBeUndefined();
  });
});

describe('classifyAttemptError', () => {
  const timeouts = { attemptTimeoutMs: 1000, connectTimeoutMs: 500 };
  const sys = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('maps undici and system errors to attempt classes', () => {
    const cases: Array<[unknown, string]> = [
      [sys('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'connection_refused'],
      [sys('ECONNRESET', 'read ECONNRESET'), 'connection_reset'],
      [sys('UND_ERR_SOCKET', 'other side closed'), 'connection_reset'],
      [sys('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere.invalid'), 'dns_failure'],
      [sys('EAI_AGAIN'), 'dns_failure'],
      [sys('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'connect_timeout'],
      [sys('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
      [sys('UND_ERR_BODY_TIMEOUT'), 'timeout'],
      [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
      [sys('CERT_HAS_EXPIRED', 'certificate has expired'), 'tls_error'],
      [sys('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'tls_error'],
      [sys('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls_error'],
      [new TypeError('fetch failed', { cause: sys('ECONNREFUSED') }), 'connection_refused'],
      [new Error('something odd'), 'network_error'],
    ];
    for (const [err, resultClass] of cases) {
      const classified = classifyAttemptError(err, timeouts);
      expect([String(err), classified.resultClass]).toEqual([String(err), resultClass]);
      expect(classified).toBeInstanceOf(AttemptError);
      expect(classified.final).toBe(false);
      expect(classified.stage).toBe('attempt');
    }
  });

  it('keeps a DeliveryError (the SSRF refusal from the DNS lookup) as it is', () => {
    const refused = new DeliveryPreparationError('ssrf_refused', 'internal', { final: true });
    expect(classifyAttemptError(refused, timeouts)).toBe(refused);
  });
});

describe('result classes', () => {
  it('are named at the start of every delivery error message and read back from it', () => {
    const err = failure(404);
    expect(err.message).toBe(`http_4xx: ${err.detail}`);
    expect(resultClassOfMessage(err.message)).toBe('http_4xx');
    expect(resultClassOfMessage('UnrecoverableError: x')).toBeUndefined();
    expect(resultClassOfMessage(undefined)).toBeUndefined();
    for (const name of Object.keys(RESULT_CLASSES)) expect(name).toMatch(/^[a-z0-9_]+$/);
  });
});
