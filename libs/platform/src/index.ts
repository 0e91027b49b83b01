export * from './config';
export * from './lifecycle';
export * from './logger';
export * from './metrics';
export * from './ops-server';
export * from './readiness';
export * from './secrets';
