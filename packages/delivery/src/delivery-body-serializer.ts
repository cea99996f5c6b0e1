import type { AnyDeliveryBody, DeliveryBody } from './delivery-body';

/**
 * Turns delivery bodies into the bytes sent (the same as `JSON.stringify`),
 * serialising a work-order event's `data` once for all the subscriptions it
 * goes to: an event's deliveries differ in `baseCode` only, and `data` is
 * most of the body.
 */
export class DeliveryBodySerializer {
  /** eventId -> its `data` as JSON, the newest events last. */
  private readonly dataJson = new Map<string, string>();

  /** @param maxEvents events whose `data` is kept (their deliveries to other subscriptions usually follow within seconds). */
  constructor(private readonly maxEvents = 4096) {}

  serialize(body: AnyDeliveryBody): string {
    if (!('changeId' in body) || !isComplete(body)) return JSON.stringify(body);
    let data = this.dataJson.get(body.eventId);
    if (data === undefined) {
      data = JSON.stringify(body.data);
      if (this.dataJson.size >= this.maxEvents) this.dataJson.delete(this.dataJson.keys().next().value!);
      this.dataJson.set(body.eventId, data);
    }
    const s = JSON.stringify;
    return `{"eventId":${s(body.eventId)},"baseCode":${s(body.baseCode)},"dataArea":${s(body.dataArea)},"changeId":${s(body.changeId)},"occurredAt":${s(body.occurredAt)},"acceptedAt":${s(body.acceptedAt)},"data":${data}}`;
  }
}

/** Every field of the work-order body is there, in the shape the template writes (else JSON.stringify decides). */
function isComplete(body: DeliveryBody): boolean {
  return (
    typeof body.eventId === 'string' &&
    typeof body.baseCode === 'string' &&
    typeof body.dataArea === 'string' &&
    typeof body.changeId === 'string' &&
    typeof body.occurredAt === 'string' &&
    typeof body.acceptedAt === 'string' &&
    typeof body.data === 'object' &&
    body.data !== null &&
    Object.keys(body).length === 7
  );
}
