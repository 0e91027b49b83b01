export {
  CascadeEnv as CascadeWorkerEnv,
  loadConfig as loadCascadeWorkerConfig,
  type CascadeWorkerConfig,
} from './config';
export { type CascadeDeps, makeCascadeHandlers, startCascadeWorker } from './worker';
export { makeProfileDeleteHandler } from './handlers/profile-delete.handler';
export { makeRuntimeDeleteHandler } from './handlers/runtime-delete.handler';
export { makeSweepDeletionsHandler } from './handlers/sweep-deletions.handler';
