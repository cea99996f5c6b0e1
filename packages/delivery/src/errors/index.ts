export * from './delivery-error';
export * from './delivery-preparation-error';
export * from './attempt-error';
export * from './response-error';
