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
  const signal = AbortSignal.timeout(attempt.timeoutMs);
  const response = await request(attempt.url, {
    method: 'POST',
    headers: attempt.headers,
    body: attempt.body,
    signal,
    headersTimeout: attempt.timeoutMs,
    bodyTimeout: attempt.timeoutMs,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const { text, truncated } = await readCapped(response.body, attempt.maxResponseBytes);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return { status: response.statusCode, headers, bodySnippet: text, truncated, durationMs: performance.now() - started };
}

/** Reads at most `limit` bytes, then drops the connection's remaining body. */
async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    chunks.push(buf.subarray(0, Math.max(0, limit - size)));
    size += buf.length;
    if (size > limit) {
      truncated = true;
      body.destroy();
      break;
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}
