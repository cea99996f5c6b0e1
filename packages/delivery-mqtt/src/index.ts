/**
 * @orderbus/delivery-mqtt — the MQTT channel: a client pool (one client per
 * broker per process), the seed's topics, the MQTT delivery handler, and the
 * delivery handler and connect probe that pick HTTP or MQTT per subscription.
 */
export * from './broker-url';
export * from './mqtt-errors';
export * from './mqtt-topics';
export * from './mqtt-client-pool';
export * from './password-source';
export * from './mqtt-delivery-handler';
export * from './channel-delivery-handler';
export * from './channel-callback-probe';
