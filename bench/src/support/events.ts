import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths';

/**
 * Valid new-order events (changeId 1, strict mode) built from the README's
 * example (examples/events/new-order.json, about 1 KB of JSON), each with a
 * unique eventId and a chosen work order (`data.serviceOrderId`, the order
 * key). Bodies are assembled from pre-serialised pieces so the load
 * generator spends next to nothing per event.
 */
const TARGET_ENVELOPE_BYTES = 1024;

export class EventFactory {
  private readonly head: string;
  private readonly dataBefore: string;
  private readonly dataAfter: string;
  private seq = 0;
  readonly sample: Record<string, unknown>;

  constructor(private readonly runTag: string) {
    const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'events', 'new-order.json'), 'utf8')) as {
      dataArea: string;
      changeId: string;
      data: Record<string, unknown>;
    };
    this.sample = example;
    // The README's example is a little under 1 KB as compact JSON: pad its free-text remark to make the envelope 1 KiB.
    const base: Record<string, unknown> = { ...example.data, serviceOrderId: '@ORDER@' };
    const probe = (extra: number): number =>
      Buffer.byteLength(this.envelopeOf('b00000000-1', EventFactory.orderKey(1), { ...base, remark: `${String(base.remark ?? '')}${' '.repeat(extra)}` }));
    const padding = Math.max(0, TARGET_ENVELOPE_BYTES - probe(0));
    const data = JSON.stringify({ ...base, remark: `${String(base.remark ?? '')}${'.'.repeat(padding)}` });
    const [before, after] = data.split('@ORDER@') as [string, string];
    this.dataBefore = before;
    this.dataAfter = after;
    this.head = `","dataArea":${JSON.stringify(example.dataArea)},"changeId":${JSON.stringify(example.changeId)},"data":`;
  }

  private envelopeOf(eventId: string, orderKey: string, data: Record<string, unknown>): string {
    return JSON.stringify({ eventId, dataArea: 'fwwt', changeId: '1', data }).replace('@ORDER@', orderKey);
  }

  /** A new unique eventId (`b<tag>-<n>`). */
  nextId(): string {
    this.seq += 1;
    return `b${this.runTag}-${this.seq}`;
  }

  /** A work order's key: 16 digits like the seed's serviceOrderIds. */
  static orderKey(order: number): string {
    return `45035997${String(order).padStart(8, '0')}`;
  }

  /** One envelope as JSON. */
  envelope(eventId: string, orderKey: string): string {
    return `{"eventId":"${eventId}${this.head}${this.dataBefore}${orderKey}${this.dataAfter}}`;
  }

  /** The envelope as an object (for the bare BullMQ baseline's job data). */
  event(eventId: string, orderKey: string): Record<string, unknown> {
    return JSON.parse(this.envelope(eventId, orderKey)) as Record<string, unknown>;
  }

  /** `{"events": [...]}` of `size` new events; `orderOf(i)` picks each one's work order (default: its own). */
  batch(size: number, orderOf?: (seq: number) => number): { body: string; ids: string[] } {
    const ids: string[] = [];
    const parts: string[] = [];
    for (let i = 0; i < size; i++) {
      const id = this.nextId();
      ids.push(id);
      parts.push(this.envelope(id, EventFactory.orderKey(orderOf ? orderOf(this.seq) : this.seq)));
    }
    return { body: `{"events":[${parts.join(',')}]}`, ids };
  }

  /** Bytes of one envelope's JSON. */
  envelopeBytes(): number {
    return Buffer.byteLength(this.envelope('b00000000-1', EventFactory.orderKey(1)));
  }
}
