export * from './free-port';
export * from './wait-until';
export * from './redis-server';
export * from './redis-cluster';
export * from './unique-prefix';
export * from './receiver';
export * from './smtp-server';
export * from './mosquitto';
