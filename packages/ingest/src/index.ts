export * from './ingest-service';
export * from './work-order-index';
