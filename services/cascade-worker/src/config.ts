import {
  envInt,
  type Env,
  parseEnv,
  type SharedConfig,
  sharedEnvShape,
  toSharedConfig,
} from '@cp/platform';
import { z } from 'zod';

const CascadeEnv = z.object({
  ...sharedEnvShape,
  CASCADE_CONCURRENCY: envInt(4),
  CASCADE_DB_POOL_SIZE: envInt(10),
});

/** The cascade worker's configuration, parsed once. */
export interface CascadeWorkerConfig extends SharedConfig {
  readonly database: SharedConfig['database'] & { readonly poolSize: number };
  readonly worker: { readonly concurrency: number };
}

/** Parses the cascade worker's environment. @throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): CascadeWorkerConfig {
  const parsed = parseEnv(CascadeEnv, env);
  const shared = toSharedConfig(parsed);
  return {
    ...shared,
    database: { ...shared.database, poolSize: parsed.CASCADE_DB_POOL_SIZE },
    worker: { concurrency: parsed.CASCADE_CONCURRENCY },
  };
}
