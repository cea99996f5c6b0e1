/**
 * @orderbus/sdk — helpers for systems that talk to orderbus: the receiver
 * side (signature verification, seed 002 replies, typed events, deduplication)
 * and the producer side (a batching, retrying, spooling client).
 */
export * from './delivery';
export * from './verification-error';
export * from './verify-delivery';
export * from './reply';
export * from './receiver-middleware';
export * from './events';
export * from './dedup';
export * from './producer';
