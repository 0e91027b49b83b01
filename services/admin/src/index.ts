export * from './cli';
export * from './commands';
export * from './config';
export * from './connect';
export * from './errors';
export * from './inputs';
export * from './slug';
