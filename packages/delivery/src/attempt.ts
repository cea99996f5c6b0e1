import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** One HTTP POST of a delivery. */
export interface AttemptRequest {
  /** The callback: a URL string, or a URL parsed (and checked) once for many attempts. */
  url: string | URL;
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
 * Redirects are not followed: undici's `dispatch` does not follow them.
 *
 * Written on undici's `dispatch` with a handler rather than `request`: the
 * response is read straight into a capped buffer, with no body stream and no
 * AbortSignal per delivery (undici's request path was a quarter of the
 * worker's CPU).
 */
export function sendAttempt(attempt: AttemptRequest, dispatcher: Dispatcher = getGlobalDispatcher()): Promise<AttemptResponse> {
  const started = performance.now();
  const { origin, pathname, search } = typeof attempt.url === 'string' ? new URL(attempt.url) : attempt.url;
  return new Promise<AttemptResponse>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let outcome: Error | undefined;
    let settled = false;
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      return true;
    };
    const fail = (err: Error): void => {
      if (settle()) reject(err);
    };
    const finish = (truncated: boolean): void => {
      if (settle()) resolve({ status, headers, bodySnippet: Buffer.concat(chunks).toString('utf8'), truncated, durationMs: performance.now() - started });
    };
    // The whole attempt's deadline (connect, send, response head and body).
    const timer = setTimeout(() => {
      outcome = new DOMException(`no answer within ${attempt.timeoutMs} ms`, 'TimeoutError');
      controller?.abort(outcome);
      fail(outcome);
    }, attempt.timeoutMs);
    dispatcher.dispatch(
      {
        origin,
        path: pathname + search,
        method: 'POST',
        headers: attempt.headers,
        body: attempt.body,
        headersTimeout: attempt.timeoutMs,
        bodyTimeout: attempt.timeoutMs,
      },
      {
        onRequestStart(started: Dispatcher.DispatchController) {
          controller = started;
          // The deadline passed while the request waited for a connection.
          if (outcome) started.abort(outcome);
        },
        onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, responseHeaders: Record<string, string | string[] | undefined>) {
          status = statusCode;
          headers = {};
          for (const [k, v] of Object.entries(responseHeaders)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        },
        onResponseData(current: Dispatcher.DispatchController, chunk: Buffer) {
          chunks.push(chunk.subarray(0, Math.max(0, attempt.maxResponseBytes - size)));
          size += chunk.length;
          if (size > attempt.maxResponseBytes) {
            // Keep what was read; the rest is not worth the wait: drop the connection.
            finish(true);
            current.abort(new Error('response body over the cap'));
          }
        },
        onResponseEnd() {
          finish(false);
        },
        onResponseError(_controller: Dispatcher.DispatchController, err: Error) {
          fail(err);
        },
      },
    );
  });
}
