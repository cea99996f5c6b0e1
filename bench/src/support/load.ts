import autocannon from 'autocannon';
import { now, sleep } from './stats';

export interface HttpLoadResult {
  /** 2xx answers per second over the run. */
  okPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  seconds: number;
}

/**
 * Closed-loop HTTP load with autocannon: `connections` connections, each
 * sending the next request as soon as the previous answer came, for
 * `seconds`; every request gets a fresh body from `body()` (unique eventIds).
 */
export async function autocannonRun(options: {
  url: string;
  headers: Record<string, string>;
  body: () => string;
  connections: number;
  seconds: number;
  /**
   * Answers needed for a figure worth reporting: autocannon drops requests
   * still in flight at the end, so on a badly overloaded machine a short run
   * of slow requests may count none; then exactly `minOk` requests are sent
   * and every answer is waited for (a fixed count instead of a fixed time).
   */
  minOk?: number;
}): Promise<HttpLoadResult> {
  const first = await autocannonOnce(options);
  const minOk = options.minOk ?? 1;
  if (first.ok >= minOk) return first;
  // Too slow for the time given: send exactly minOk requests and wait for every answer instead.
  return autocannonOnce({ ...options, amount: minOk });
}

async function autocannonOnce(options: {
  url: string;
  headers: Record<string, string>;
  body: () => string;
  connections: number;
  seconds: number;
  amount?: number;
}): Promise<HttpLoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: Math.min(options.connections, options.amount ?? options.connections),
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds }),
    timeout: options.amount !== undefined ? 300 : 30,
    requests: [
      {
        method: 'POST',
        headers: options.headers,
        setupRequest: (request: any) => ({ ...request, body: options.body() }),
      } as any,
    ],
  });
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    okPerSecond: result['2xx'] / seconds,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    seconds,
  };
}

/**
 * Closed-loop sender of a fixed amount of work: `lanes` loops, each sending
 * the next item as soon as the previous one was acknowledged, until `count`
 * items were sent. Returns when every item was acknowledged.
 */
export async function closedLoop(count: number, lanes: number, sendOne: (index: number) => Promise<void>): Promise<{ firstSentAt: number; lastAckAt: number }> {
  let next = 0;
  const firstSentAt = now();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) {
        const index = next++;
        await sendOne(index);
      }
    }),
  );
  return { firstSentAt, lastAckAt: now() };
}

/**
 * Open-loop load: starts `send()` at `ratePerSecond` for `seconds`
 * regardless of how fast answers come (a queue of late requests shows as
 * latency, not as a slower sender), with at most `maxInFlight` outstanding;
 * sends that would exceed it are skipped and counted.
 */
export async function openLoop(options: {
  ratePerSecond: number;
  seconds: number;
  maxInFlight: number;
  send: (index: number) => Promise<void>;
}): Promise<{ sent: number; skipped: number; failed: number; seconds: number }> {
  const started = now();
  const end = started + options.seconds * 1000;
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  while (now() < end) {
    const due = Math.floor(((now() - started) / 1000) * options.ratePerSecond);
    while (sent + skipped < due) {
      if (inFlight >= options.maxInFlight) {
        skipped += 1;
        continue;
      }
      const index = sent++;
      inFlight += 1;
      const p = options
        .send(index)
        .catch(() => {
          failed += 1;
        })
        .finally(() => {
          inFlight -= 1;
          pending.delete(p);
        });
      pending.add(p);
    }
    await sleep(2);
  }
  const seconds = (now() - started) / 1000;
  await Promise.all([...pending]);
  return { sent, skipped, failed, seconds };
}
