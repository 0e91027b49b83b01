export { loadConfig as loadCascadeWorkerConfig, type CascadeWorkerConfig } from './config';
export { makeCascadeHandlers, startCascadeWorker } from './worker';
