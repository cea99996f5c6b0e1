export * from './error-codes';
export * from './orderbus-error';
export * from './validation-error';
export * from './redis-unavailable';
