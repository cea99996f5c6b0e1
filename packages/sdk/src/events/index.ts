export * from './event-types';
export { handleDelivery, type DeliveryOutcome, type DeliveryRequest, type DeliveryResponse, type HandleDeliveryOptions } from './handle-delivery';
