import type { EventProblem, QueuedEvent } from './envelope';

/**
 * orderbus refused an event for good (HTTP 4xx other than 429, or the retry
 * budget ran out): the event is not sent again. Given to `onRejected` once
 * per event, with the event itself so the application can fix and re-emit it,
 * or park it.
 */
export interface EventRejection {
  event: QueuedEvent;
  /** HTTP status, or 0 when the retry budget ran out without an answer. */
  status: number;
  /** orderbus error code (`validation_failed`, `event_conflict`, `unauthorized`, ...) or `retries_exhausted`. */
  code: string;
  message: string;
  /** validation_failed: this event's problems, paths relative to the event (`/data/trackId`). */
  problems?: EventProblem[];
}

/** Base class of the errors the producer client throws. */
export class ProducerClientError extends Error {
  constructor(
    readonly code: 'spool_full' | 'buffer_full' | 'closed' | 'invalid_event' | 'unsent_events' | 'flush_timeout',
    message: string,
  ) {
    super(message);
    this.name = 'ProducerClientError';
  }
}

/** emit() while the spool file holds `maxBytes` already: the event was NOT taken. */
export class SpoolFullError extends ProducerClientError {
  constructor(
    readonly path: string,
    readonly maxBytes: number,
    readonly pendingEvents: number,
  ) {
    super(
      'spool_full',
      `orderbus spool ${path} is full (${pendingEvents} events waiting, limit ${maxBytes} bytes): ` +
        'orderbus has not accepted events for a while; this event was NOT taken. ' +
        'Check that orderbus is reachable (orderbus doctor), or raise spool.maxBytes.',
    );
    this.name = 'SpoolFullError';
  }
}

/** emit() without a spool while `maxBufferedEvents` wait in memory: the event was NOT taken. */
export class BufferFullError extends ProducerClientError {
  constructor(readonly maxBufferedEvents: number) {
    super(
      'buffer_full',
      `the producer client holds ${maxBufferedEvents} unsent events (maxBufferedEvents) because orderbus is not accepting them; ` +
        'this event was NOT taken. Configure a spool to ride out outages, or check that orderbus is reachable.',
    );
    this.name = 'BufferFullError';
  }
}

/** close() could not send every event in time and there is no spool to keep them: they are in `events`. */
export class UnsentEventsError extends ProducerClientError {
  constructor(readonly events: QueuedEvent[]) {
    super('unsent_events', `${events.length} events were not accepted by orderbus before close() gave up; they are in error.events.`);
    this.name = 'UnsentEventsError';
  }
}
