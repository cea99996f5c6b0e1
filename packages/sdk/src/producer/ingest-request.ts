import { request, type Dispatcher } from 'undici';
import type { EventProblem, EventReceipt, QueuedEvent } from './envelope';
import { parseRetryAfter } from './backoff';

/** What one POST of a batch came to. */
export type IngestOutcome =
  /** 202: every event of the batch is accepted (receipts in batch order). */
  | { kind: 'accepted'; receipts: EventReceipt[] }
  /** 503, 5xx, 429, a network error or a timeout: nothing was accepted; send the same events again later. */
  | { kind: 'retry'; status: number; code: string; message: string; retryAfterMs?: number }
  /** 413: the batch is too large; send it in smaller parts. */
  | { kind: 'too_large'; status: number; code: string; message: string }
  /**
   * 422 or 409 naming the events at fault (`byIndex`), or another 4xx
   * refusing the whole request (`byIndex` empty): nothing was accepted.
   */
  | { kind: 'rejected'; status: number; code: string; message: string; byIndex: Map<number, EventProblem[]> };

interface ErrorBody {
  error?: { code?: string; message?: string; problems?: EventProblem[]; conflicts?: Array<{ index?: number }> };
}

/** POSTs `{"events": [...]}` to `<url>/v1/events` and classifies the answer. */
export async function postBatch(
  url: string,
  key: string,
  events: readonly QueuedEvent[],
  options: { timeoutMs: number; dispatcher: Dispatcher },
): Promise<IngestOutcome> {
  let status: number;
  let text: string;
  let retryAfter: string | string[] | undefined;
  try {
    const res = await request(`${url.replace(/\/+$/, '')}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': 'orderbus-producer-client/0.1' },
      body: JSON.stringify({ events }),
      dispatcher: options.dispatcher,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = res.statusCode;
    retryAfter = res.headers['retry-after'];
    text = await res.body.text();
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name ?? 'network_error';
    return { kind: 'retry', status: 0, code, message: `orderbus is unreachable at ${url}: ${(err as Error).message}` };
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status === 202 || status === 200) {
    const receipts = (body as { events?: EventReceipt[] } | undefined)?.events;
    if (Array.isArray(receipts) && receipts.length === events.length) return { kind: 'accepted', receipts };
    return { kind: 'retry', status, code: 'unexpected_answer', message: `orderbus answered ${status} without a receipt per event: ${text.slice(0, 200)}` };
  }
  const error = (body as ErrorBody | undefined)?.error ?? {};
  const code = error.code ?? `http_${status}`;
  const message = error.message ?? text.slice(0, 500);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return { kind: 'retry', status, code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return { kind: 'retry', status, code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status === 413) return { kind: 'too_large', status, code, message };
  return { kind: 'rejected', status, code, message, byIndex: faultsByIndex(error) };
}

const EVENT_PATH = /^\/events\/(\d+)(\/.*)?$/;

/** The events a 422 (problems at `/events/<i>/...`) or a 409 (`conflicts[].index`) names. */
function faultsByIndex(error: NonNullable<ErrorBody['error']>): Map<number, EventProblem[]> {
  const byIndex = new Map<number, EventProblem[]>();
  const add = (index: number, problem: EventProblem): void => {
    const list = byIndex.get(index) ?? [];
    list.push(problem);
    byIndex.set(index, list);
  };
  for (const problem of error.problems ?? []) {
    const match = EVENT_PATH.exec(problem.path);
    if (match) add(Number(match[1]), { ...problem, path: match[2] ?? '' });
  }
  for (const conflict of error.conflicts ?? []) {
    if (typeof conflict.index === 'number') {
      add(conflict.index, { path: '/eventId', code: 'event_conflict', message: error.message ?? 'eventId already accepted with a different payload' });
    }
  }
  return byIndex;
}
