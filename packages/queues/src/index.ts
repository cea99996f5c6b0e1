export * from './queue-names';
export * from './redis-connection';
export * from './delivery-job';
export * from './fanout';
export * from './idempotency-keys';
export * from './redis-unavailable';
export * from './wake-channel';
export * from './lua-script';
