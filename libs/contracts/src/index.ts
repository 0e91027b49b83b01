export * from './domain';
export * from './errors';
export * from './protocol-families';
export * from './http/health';
