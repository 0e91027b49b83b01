export * from './catalog';
export * from './defaults';
export * from './job-error';
export * from './queues';
export * from './redis';
export * from './worker';
export * from './events';
