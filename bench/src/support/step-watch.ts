import { Redis } from 'ioredis';
import { request } from 'undici';
import { info } from './redis-info';
import { metricSamples } from './metrics-text';
import { now, sleep } from './stats';

/** When one AOF rewrite ran (wall-clock ms, as `now()`). */
export interface RewriteSpan {
  start: number;
  end: number;
}

/** What held a stack up during one latency step: the stalls behind a tail. */
export interface StepStalls {
  /** AOF rewrites that ran (at least partly) during the step. */
  rewrites: RewriteSpan[];
  /** Redis's own latency monitor: the worst event of each kind (fork, aof-write, command...) over the step, ms. */
  redisEvents: Record<string, number>;
  /** Per app (producer, worker): the longest time its event loop was held over the step and its GC pauses over 10 ms, from its /metrics. */
  apps: Record<string, { eventLoopMaxMs: number; gcPausesOver10ms: number }>;
}

/** How often the watcher asks Redis (`INFO persistence`); a fork blocks Redis, so that poll's answer comes late. */
const POLL_MS = 20;
/** Redis's latency monitor records events of this many ms or more. */
const REDIS_LATENCY_THRESHOLD_MS = 5;

/**
 * Watches one latency step, on connections of its own: AOF rewrites (polled),
 * Redis's latency monitor (reset at the start, read at the end) and, for an
 * orderbus stack, the producer's and the worker's event-loop delay and GC
 * pauses (prom-client resets its event-loop histogram at every scrape, so
 * the scrape at the start opens the step's window).
 */
export class StepWatch {
  private readonly spans: RewriteSpan[] = [];
  private readonly client: Redis;
  private started: number | undefined;
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private gcAtStart: Record<string, number> = {};

  private constructor(
    redisUrl: string,
    private readonly apps: Record<string, string>,
  ) {
    this.client = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'bench-step-watch' });
    this.client.on('error', () => undefined);
  }

  /** `apps`: name → base URL of an app whose /metrics to read (none for bare BullMQ). */
  static async start(redisUrl: string, apps: Record<string, string> = {}): Promise<StepWatch> {
    const watch = new StepWatch(redisUrl, apps);
    try {
      await watch.client.config('SET', 'latency-monitor-threshold', String(REDIS_LATENCY_THRESHOLD_MS));
      await watch.client.call('LATENCY', 'RESET');
      for (const [name, url] of Object.entries(apps)) watch.gcAtStart[name] = (await scrape(url)).gcPausesOver10ms;
    } catch (err) {
      watch.client.disconnect();
      throw err;
    }
    watch.loop = watch.poll();
    return watch;
  }

  /** Stops watching (a rewrite still running ends now) and reads what the step saw. */
  async stop(): Promise<StepStalls> {
    this.running = false;
    try {
      await this.loop;
      if (this.started !== undefined) this.spans.push({ start: this.started, end: now() });
      const latest = (await this.client.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
      const redisEvents = Object.fromEntries(latest.map(([event, , , worst]) => [event, Number(worst)]));
      const apps: StepStalls['apps'] = {};
      for (const [name, url] of Object.entries(this.apps)) {
        const scraped = await scrape(url);
        apps[name] = { eventLoopMaxMs: scraped.eventLoopMaxMs, gcPausesOver10ms: scraped.gcPausesOver10ms - (this.gcAtStart[name] ?? 0) };
      }
      return { rewrites: this.spans, redisEvents, apps };
    } finally {
      this.client.disconnect();
    }
  }

  private async poll(): Promise<void> {
    while (this.running) {
      const asked = now();
      const fields = await info(this.client, 'persistence').catch(() => undefined);
      const inProgress = fields?.aof_rewrite_in_progress === '1';
      if (inProgress && this.started === undefined) this.started = asked;
      if (!inProgress && this.started !== undefined && fields) {
        this.spans.push({ start: this.started, end: asked });
        this.started = undefined;
      }
      await sleep(POLL_MS);
    }
  }
}

/**
 * prom-client samples the event loop with a 10 ms timer (its default
 * precision) and reports the whole gap between two ticks: an idle loop reads
 * about 10 ms. What is above it is time the loop was held.
 */
const EVENT_LOOP_SAMPLING_MS = 10;

/** An app's event loop held beyond its sampling since the last scrape, and its GC pauses over 10 ms since it started. */
async function scrape(baseUrl: string): Promise<{ eventLoopMaxMs: number; gcPausesOver10ms: number }> {
  const text = await (await request(`${baseUrl}/metrics`)).body.text();
  const lagMax = metricSamples(text, 'nodejs_eventloop_lag_max_seconds')[0]?.value ?? 0;
  // Buckets are cumulative and per GC kind: pauses over 10 ms = all - those up to 10 ms, summed over the kinds.
  const buckets = metricSamples(text, 'nodejs_gc_duration_seconds_bucket');
  const count = (le: string): number => buckets.filter((b) => b.labels.includes(`le="${le}"`)).reduce((sum, b) => sum + b.value, 0);
  return { eventLoopMaxMs: Math.max(0, lagMax * 1000 - EVENT_LOOP_SAMPLING_MS), gcPausesOver10ms: count('+Inf') - count('0.01') };
}

/** Slow samples (`[time, value]` at or above `threshold`) that fell in a rewrite span or within `afterMs` of its end. */
export function slowDuringRewrites(samples: ReadonlyArray<readonly [number, number]>, threshold: number, spans: readonly RewriteSpan[], afterMs = 250): number {
  let count = 0;
  for (const [time, value] of samples) {
    if (value < threshold) continue;
    if (spans.some((span) => time >= span.start && time <= span.end + afterMs)) count += 1;
  }
  return count;
}
