/**
 * What orderbus POSTs to a callback (the JSON body): the work-order engine's
 * push envelope plus `eventId`, the key to deduplicate by (also sent as the
 * `webhook-id` header; a retry or a replay carries the same one).
 */
export interface OrderbusDelivery {
  eventId: string;
  /** The receiving subscription's baseCode. */
  baseCode: string;
  dataArea: string;
  /** "1".."10": new order, step handled, ... (seed 003). */
  changeId: string;
  /** When the change happened (ISO 8601). */
  occurredAt: string;
  /** When orderbus accepted the event (ISO 8601). */
  acceptedAt: string;
  data: Record<string, unknown>;
}
