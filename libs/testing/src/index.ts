export * from './database';
export * from './env';
export * from './factories';
export * from './queues';
