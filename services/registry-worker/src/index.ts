export { loadConfig as loadRegistryWorkerConfig, type RegistryWorkerConfig } from './config';
export { makeRegistryHandlers, startRegistryWorker } from './worker';
