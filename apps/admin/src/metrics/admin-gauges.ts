import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@orderbus/observability';
import { SUBSCRIPTION_STATUSES, type SubscriptionStore } from '@orderbus/registry';
import type { QueueStats, SubscriptionQueues } from '../queues/subscription-queues';

interface Snapshot {
  byStatus: Map<string, number>;
  queues: Map<string, QueueStats>;
}

/** A scrape reads Redis once for all gauges; results younger than this are reused. */
const SNAPSHOT_TTL_MS = 1000;

/**
 * The admin's gauges, read from Redis when Prometheus scrapes:
 * `orderbus_subscriptions{status}` and, per subscription,
 * `orderbus_subscription_queue_jobs{baseCode,state}`,
 * `orderbus_subscription_queue_oldest_waiting_seconds{baseCode}` and
 * `orderbus_subscription_queue_paused{baseCode}`. Label values are bounded by
 * the registered subscriptions; a deleted one disappears at the next scrape.
 */
export function registerAdminGauges(registry: Registry, source: { store: SubscriptionStore; queues: SubscriptionQueues; logger: Logger }): void {
  // A second app on the same registry (tests) replaces the gauges rather than failing.
  for (const name of ['orderbus_subscriptions', 'orderbus_subscription_queue_jobs', 'orderbus_subscription_queue_oldest_waiting_seconds', 'orderbus_subscription_queue_paused']) {
    registry.removeSingleMetric(name);
  }
  let cached: { at: number; snapshot: Promise<Snapshot | undefined> } | undefined;
  const snapshot = (): Promise<Snapshot | undefined> => {
    const now = Date.now();
    if (!cached || now - cached.at > SNAPSHOT_TTL_MS) cached = { at: now, snapshot: read() };
    return cached.snapshot;
  };
  const read = async (): Promise<Snapshot | undefined> => {
    try {
      const { subscriptions } = await source.store.list();
      const byStatus = new Map<string, number>(SUBSCRIPTION_STATUSES.map((s) => [s, 0]));
      for (const s of subscriptions) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
      const stats = await Promise.all(subscriptions.map(async (s) => [s.baseCode, await source.queues.stats(s.baseCode)] as const));
      await source.queues.retain(new Set(subscriptions.map((s) => s.baseCode)));
      return { byStatus, queues: new Map(stats) };
    } catch (err) {
      // A scrape during a Redis outage reports no series rather than failing the whole page.
      source.logger.warn('metrics: reading subscriptions failed', { err: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  };

  new Gauge({
    name: 'orderbus_subscriptions',
    help: 'Subscriptions by status (disabled, enabled, auto-disabled).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const [status, count] of snap?.byStatus ?? []) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'orderbus_subscription_queue_jobs',
    help: 'Jobs in a subscription queue by state (waiting, active, delayed, dead_letter).',
    labelNames: ['baseCode', 'state'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const [baseCode, q] of snap?.queues ?? []) {
        this.set({ baseCode, state: 'waiting' }, q.waiting);
        this.set({ baseCode, state: 'active' }, q.active);
        this.set({ baseCode, state: 'delayed' }, q.delayed);
        this.set({ baseCode, state: 'dead_letter' }, q.deadLetters);
      }
    },
  });
  new Gauge({
    name: 'orderbus_subscription_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in a subscription queue (0 when none waits).',
    labelNames: ['baseCode'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const [baseCode, q] of snap?.queues ?? []) this.set({ baseCode }, q.oldestWaitingAgeMs / 1000);
    },
  });
  new Gauge({
    name: 'orderbus_subscription_queue_paused',
    help: '1 when a subscription queue is paused.',
    labelNames: ['baseCode'],
    registers: [registry],
    async collect() {
      const snap = await snapshot();
      this.reset();
      for (const [baseCode, q] of snap?.queues ?? []) this.set({ baseCode }, q.paused ? 1 : 0);
    },
  });
}
