export {
  createProducerClient,
  type BatchOptions,
  type ProducerClient,
  type ProducerClientOptions,
  type ProducerClientStats,
  type RetryNotice,
} from './producer-client';
export type { RetryOptions } from './backoff';
export type { SpoolOptions } from './file-spool';
export { DEFAULT_SPOOL_MAX_BYTES, FileSpool } from './file-spool';
export type { EventProblem, EventReceipt, QueuedEvent } from './envelope';
export { BufferFullError, ProducerClientError, SpoolFullError, UnsentEventsError, type EventRejection } from './errors';
