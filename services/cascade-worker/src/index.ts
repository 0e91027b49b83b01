export { loadConfig as loadCascadeWorkerConfig, type CascadeWorkerConfig } from './config';
export { makeCascadeHandlers, startCascadeWorker } from './worker';
export { makeProfileDeleteHandler } from './handlers/profile-delete.handler';
export { makeRuntimeDeleteHandler } from './handlers/runtime-delete.handler';
