import {
  envInt,
  type Env,
  parseEnv,
  type SharedConfig,
  sharedEnvShape,
  toSharedConfig,
} from '@cp/platform';
import { z } from 'zod';

/** The api's variables; `.env.example` documents each (tests/deploy checks it). */
export const ApiEnv = z.object({
  ...sharedEnvShape,
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: envInt(8080, 0).pipe(z.number().max(65535)),
  API_DB_POOL_SIZE: envInt(20),
  API_READINESS_TIMEOUT_MS: envInt(1_000),
  API_REGISTER_WAIT_MS: envInt(5_000, 0),
});

/** The api's configuration, parsed once. */
export interface ApiConfig extends SharedConfig {
  readonly http: { readonly host: string; readonly port: number };
  readonly database: SharedConfig['database'] & { readonly poolSize: number };
  readonly readinessTimeoutMs: number;
  /** How long a registration waits for its outcome before answering 202. */
  readonly registerWaitMs: number;
}

/** Parses the api's environment. @throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): ApiConfig {
  const parsed = parseEnv(ApiEnv, env);
  const shared = toSharedConfig(parsed);
  return {
    ...shared,
    http: { host: parsed.API_HOST, port: parsed.API_PORT },
    database: { ...shared.database, poolSize: parsed.API_DB_POOL_SIZE },
    readinessTimeoutMs: parsed.API_READINESS_TIMEOUT_MS,
    registerWaitMs: parsed.API_REGISTER_WAIT_MS,
  };
}
