export {
  type ApiDeps,
  type ApiOps,
  BODY_LIMIT,
  createApp,
  DEFAULT_AUTH_OPTIONS,
  ephemeralOps,
} from './app';
export { type ApiConfig, ApiEnv, loadConfig as loadApiConfig } from './config';
export { HTTP_STATUS, toHttpError } from './http/errors';
export { type ApiProcessOptions, type RunningApi, startApi } from './server';
export type { ApiQueues, QueueAccess } from './services/operations.service';
