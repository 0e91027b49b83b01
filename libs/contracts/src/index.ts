export * from './domain';
export * from './errors';
export * from './http/common';
export * from './http/health';
export * from './http/runtime-profiles';
export * from './http/runtimes';
export * from './protocol-families';
export * from './events';
