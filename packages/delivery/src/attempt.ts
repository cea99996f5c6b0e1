import { request, type Dispatcher } from 'undici';

/** One HTTP POST of a delivery. */
export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole attempt (connect, send, response head and body) must end within this. */
  timeoutMs: number;
  /** Bytes of the response body kept for the attempt log; the rest is discarded unread. */
  maxResponseBytes: number;
}

/** What happened on the wire. Classification into success/retry/stop happens after. */
export interface AttemptResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The first `maxResponseBytes` of the body, as text. */
  bodySnippet: string;
  /** The body was longer than the cap (the rest was not read). */
  truncated: boolean;
  durationMs: number;
}

/**
 * Sends one attempt with undici. Throws the undici/system error when no
 * response arrived (timeout, refused, reset, DNS); the caller classifies it.
 * Redirects are not followed: undici's `request` does not follow them.
 */
export async function sendAttempt(attempt: AttemptRequest, dispatcher?: Dispatcher): Promise<AttemptResponse> {
  const started = performance.now();
  // The whole attempt's deadline. A timer cleared when the attempt ends, not AbortSignal.timeout:
  // that one cannot be cleared, so every delivery left a timer behind to fire `timeoutMs` later.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`no answer within ${attempt.timeoutMs} ms`, 'TimeoutError')), attempt.timeoutMs);
  try {
    const response = await request(attempt.url, {
      method: 'POST',
      headers: attempt.headers,
      body: attempt.body,
      signal: deadline.signal,
      headersTimeout: attempt.timeoutMs,
      bodyTimeout: attempt.timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const { text, truncated } = await readCapped(response.body, attempt.maxResponseBytes);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    return { status: response.statusCode, headers, bodySnippet: text, truncated, durationMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads at most `limit` bytes, then drops the connection's remaining body. */
function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; truncated: boolean }> {
  // Event listeners rather than `for await`: an async iterator per response cost more than reading the body.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (truncated: boolean): void => resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated });
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk.subarray(0, Math.max(0, limit - size)));
      size += chunk.length;
      if (size > limit) {
        body.removeAllListeners('data');
        body.removeAllListeners('end');
        body.on('error', () => undefined);
        body.destroy();
        done(true);
      }
    });
    body.once('end', () => done(false));
    body.once('error', reject);
  });
}
