import type { AnyDeliveryBody, DeliveryBody } from './delivery-body';

/**
 * Turns delivery bodies into the bytes sent (the same as `JSON.stringify`),
 * serialising a work-order event's `data` once for all the subscriptions it
 * goes to: an event's deliveries differ in `baseCode` only, and `data` is
 * most of the body.
 */
export class DeliveryBodySerializer {
  /** (eventId, acceptedAt) -> its `data` as JSON, the newest events last. */
  private readonly dataJson = new Map<string, string>();
  private cachedChars = 0;

  /**
   * @param maxChars characters of `data` kept in all (an event's deliveries to
   * other subscriptions usually follow within seconds); an event's `data` over
   * a tenth of it is not kept.
   */
  constructor(private readonly maxChars = 8 * 1024 * 1024) {}

  serialize(body: AnyDeliveryBody): string {
    if (!('changeId' in body) || !isComplete(body)) return JSON.stringify(body);
    // acceptedAt too: an eventId accepted again after its idempotency record expired is another event.
    const key = `${body.eventId}\n${body.acceptedAt}`;
    let data = this.dataJson.get(key);
    if (data === undefined) {
      data = JSON.stringify(body.data);
      if (data.length <= this.maxChars / 10) this.keep(key, data);
    }
    const s = JSON.stringify;
    return `{"eventId":${s(body.eventId)},"baseCode":${s(body.baseCode)},"dataArea":${s(body.dataArea)},"changeId":${s(body.changeId)},"occurredAt":${s(body.occurredAt)},"acceptedAt":${s(body.acceptedAt)},"data":${data}}`;
  }

  private keep(key: string, data: string): void {
    for (const [oldest, json] of this.dataJson) {
      if (this.cachedChars + data.length <= this.maxChars) break;
      this.dataJson.delete(oldest);
      this.cachedChars -= json.length;
    }
    this.dataJson.set(key, data);
    this.cachedChars += data.length;
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
