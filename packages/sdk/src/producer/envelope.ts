/** An event as the producer client queues and POSTs it: its eventId is fixed at emit time. */
export interface QueuedEvent {
  eventId: string;
  dataArea: string;
  /** "1".."10", as the seed spells it. */
  changeId: string;
  data: Record<string, unknown>;
  occurredAt?: string;
}

/** One problem of a rejected event, with the path inside that event (`/data/trackId`). */
export interface EventProblem {
  path: string;
  code: string;
  message: string;
}

/** orderbus's answer for one accepted event. */
export interface EventReceipt {
  eventId: string;
  /** true: orderbus had this eventId already (a retry); nothing new was queued. */
  duplicate: boolean;
  /** How many subscription queues hold the event. */
  queuedFor: number;
  /** compat mode: what was wrong with the payload but let through. */
  problems?: EventProblem[];
}
