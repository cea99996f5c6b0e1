/**
 * Event families: work-order events (the core, seed 003) and the
 * domain-model families (customer: seed 000, org: seed 001). One folder of
 * schemas per family and one catalogue entry each; see docs/families.md.
 */
export * from './family';
export * from './schema';
export * from './catalogue';
export * from './domain-event';
export * from './message-schema';
export * from './message-validator';
export { epochToIso } from './timestamps';
export { CUSTOMER_FAMILY } from './customer';
export { ORG_FAMILY } from './org';
export { WORK_ORDER_FAMILY, WORK_ORDER_TOPIC } from './workorder';
export * as customerSchemas from './customer/schemas';
export * as orgSchemas from './org/schemas';
