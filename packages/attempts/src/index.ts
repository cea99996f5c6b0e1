export * from './attempt-keys';
export * from './attempt-record';
export * from './attempt-history';
export * from './attempt-history-observer';
export * from './dead-letters';
export * from './event-deliveries';
export * from './pullable-events';
export * from './receiver-feedback';
