import { deliveryJobId, subscriptionQueueName, type SubscriptionQueueHandles } from '@orderbus/queues';
import type { AttemptHistory } from './attempt-history';
import type { AttemptRecord } from './attempt-record';

/**
 * Where an event stands at one subscription. `delivered` and `dead` are
 * final; `missing`: the history has attempts but the job is gone (discarded,
 * or the subscription's queue was emptied).
 */
export type DeliveryState = 'waiting' | 'active' | 'delayed' | 'delivered' | 'dead' | 'missing';

export interface EventDelivery {
  baseCode: string;
  state: DeliveryState;
  attempts: AttemptRecord[];
}

/** What `GET /v1/events/:eventId` answers. */
export interface EventDeliveries {
  eventId: string;
  deliveries: EventDelivery[];
}

/**
 * An event's deliveries at every subscription that has its job or attempts
 * of it, with their state and attempt history. One EXISTS and one script
 * reading the event's attempts per subscription (each on the subscription's
 * own slot), then the job state of the few that hold the event.
 */
export async function eventDeliveries(queues: SubscriptionQueueHandles, history: AttemptHistory, baseCodes: readonly string[], eventId: string): Promise<EventDeliveries> {
  const jobId = deliveryJobId(eventId);
  const found = await Promise.all(
    baseCodes.map(async (baseCode) => {
      const [exists, attempts] = await Promise.all([
        queues.redis.exists(`${queues.prefix}:${subscriptionQueueName(baseCode)}:${jobId}`),
        history.ofEvent(baseCode, eventId),
      ]);
      if (exists === 0 && attempts.length === 0) return undefined;
      const state = exists === 0 ? 'unknown' : await queues.of(baseCode).getJobState(jobId);
      return { baseCode, state: deliveryState(state, attempts), attempts };
    }),
  );
  return { eventId, deliveries: found.filter((d): d is EventDelivery => d !== undefined) };
}

function deliveryState(jobState: string, attempts: readonly AttemptRecord[]): DeliveryState {
  switch (jobState) {
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'active':
      return 'active';
    case 'delayed':
      return 'delayed';
    case 'completed':
      return 'delivered';
    case 'failed':
      return 'dead';
    default:
      // Delivered jobs are removed after a while; the history still tells.
      return attempts[attempts.length - 1]?.outcome === 'delivered' ? 'delivered' : 'missing';
  }
}
