import type { QueuedEvent } from './envelope';
import { BufferFullError } from './errors';

/**
 * The events the client has taken and orderbus has not answered yet, oldest
 * first. The client sends from the head and acknowledges what orderbus
 * answered; emit appends at the tail.
 */
export interface EventQueue {
  /** Events waiting. */
  readonly size: number;
  /** Appends; throws (SpoolFullError, BufferFullError) when full, taking nothing. */
  append(event: QueuedEvent): void;
  /** The first `max` events (fewer when fewer wait). */
  peek(max: number): QueuedEvent[];
  /** Drops the first `count` events: orderbus answered them. */
  ack(count: number): void;
  /** Every waiting event, oldest first. */
  all(): QueuedEvent[];
  close(): void;
}

/** The queue without a spool: in memory, bounded, gone with the process. */
export class MemoryEventQueue implements EventQueue {
  private events: QueuedEvent[] = [];
  private head = 0;

  constructor(private readonly maxEvents: number) {}

  get size(): number {
    return this.events.length - this.head;
  }

  append(event: QueuedEvent): void {
    if (this.size >= this.maxEvents) throw new BufferFullError(this.maxEvents);
    this.events.push(event);
  }

  peek(max: number): QueuedEvent[] {
    return this.events.slice(this.head, this.head + max);
  }

  ack(count: number): void {
    this.head += Math.min(count, this.size);
    // Drop the answered prefix now and then instead of shifting on every ack.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  all(): QueuedEvent[] {
    return this.events.slice(this.head);
  }

  close(): void {
    // nothing to release
  }
}
