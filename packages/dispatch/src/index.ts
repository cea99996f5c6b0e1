export * from './delivery-handler';
export * from './subscription-queue';
export * from './dispatcher';
export * from './http-delivery-handler';
export * from './order-gate';
export * from './worker-membership';
