import { DATA_AREA_PATTERN, OrderbusError } from '@orderbus/core';
import { SUBSCRIPTION_STATUSES, type Subscription, type SubscriptionStatus } from '@orderbus/registry';

export type HealthState = 'healthy' | 'degraded' | 'failing' | 'unknown';
export const HEALTH_STATES: readonly HealthState[] = ['healthy', 'degraded', 'failing', 'unknown'];

/** The health state of each of `baseCodes`; a baseCode missing from the map is `unknown`. */
export type HealthLookup = (baseCodes: readonly string[]) => Promise<ReadonlyMap<string, HealthState>>;

/** Until health is tracked, every subscription's health is unknown. */
export const UNKNOWN_HEALTH: HealthLookup = async () => new Map();

/** The filters of `GET /v1/subscriptions`. */
export interface SubscriptionFilter {
  status?: SubscriptionStatus;
  health?: HealthState;
  dataArea?: string;
}

const dataAreaRegex = new RegExp(DATA_AREA_PATTERN);

/** Reads `status`, `health` and `dataArea` from a query string; a bad value is a 400 `bad_request`. */
export function parseSubscriptionFilter(query: Record<string, unknown>): SubscriptionFilter {
  const filter: SubscriptionFilter = {};
  const { status, health, dataArea } = query;
  if (status !== undefined) {
    if (!SUBSCRIPTION_STATUSES.includes(status as SubscriptionStatus)) {
      throw new OrderbusError('bad_request', `status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}.`);
    }
    filter.status = status as SubscriptionStatus;
  }
  if (health !== undefined) {
    if (!HEALTH_STATES.includes(health as HealthState)) throw new OrderbusError('bad_request', `health must be one of ${HEALTH_STATES.join(', ')}.`);
    filter.health = health as HealthState;
  }
  if (dataArea !== undefined) {
    if (typeof dataArea !== 'string' || !dataAreaRegex.test(dataArea)) throw new OrderbusError('bad_request', `dataArea must match ${DATA_AREA_PATTERN}.`);
    filter.dataArea = dataArea;
  }
  return filter;
}

/**
 * The subscriptions that pass every filter. `dataArea` keeps those whose
 * scope includes it (`*` includes every one); `health` asks the lookup only
 * for what the other filters left.
 */
export async function filterSubscriptions(subscriptions: readonly Subscription[], filter: SubscriptionFilter, health: HealthLookup): Promise<Subscription[]> {
  let kept = subscriptions.filter(
    (s) =>
      (filter.status === undefined || s.status === filter.status) &&
      (filter.dataArea === undefined || s.scope.dataAreas === '*' || s.scope.dataAreas.includes(filter.dataArea)),
  );
  if (filter.health !== undefined && kept.length > 0) {
    const states = await health(kept.map((s) => s.baseCode));
    kept = kept.filter((s) => (states.get(s.baseCode) ?? 'unknown') === filter.health);
  }
  return kept;
}

/** A HealthLookup over anything that tells a subscription's health summary (the lifecycle's HealthStore). */
export function healthLookupFrom(source: { summary(baseCode: string): Promise<{ state: string }> }): HealthLookup {
  return async (baseCodes) => {
    const states = await Promise.all(baseCodes.map(async (b) => [b, (await source.summary(b)).state as HealthState] as const));
    return new Map(states);
  };
}
