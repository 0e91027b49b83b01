export {
  loadConfig as loadRegistryWorkerConfig,
  RegistryEnv as RegistryWorkerEnv,
  type RegistryWorkerConfig,
} from './config';
export { makeRuntimeRegisterHandler } from './handlers/runtime-register.handler';
export { makeRegistrar, type Registrar } from './registration/registrar';
export { makeRegistryHandlers, startRegistryWorker } from './worker';
