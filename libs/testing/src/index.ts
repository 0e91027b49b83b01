export * from './database';
export * from './deferred';
export * from './env';
export * from './factories';
export * from './queues';
export * from './stand-ins';
