export * from './config';
export * from './lifecycle';
export * from './logger';
