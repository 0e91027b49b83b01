import {
  envInt,
  envPort,
  type Env,
  metricsEnvShape,
  parseEnv,
  type SharedConfig,
  sharedEnvShape,
  toSharedConfig,
} from '@cp/platform';
import type { WorkerOpsConfig } from '@cp/queue';
import { z } from 'zod';

/** The cascade worker's variables; `.env.example` documents each (tests/deploy checks it). */
export const CascadeEnv = z.object({
  ...sharedEnvShape,
  ...metricsEnvShape,
  CASCADE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  CASCADE_METRICS_PORT: envPort(9102),
  CASCADE_CONCURRENCY: envInt(4),
  CASCADE_DB_POOL_SIZE: envInt(10),
  CASCADE_SWEEP_INTERVAL_MS: envInt(60_000),
  CASCADE_SWEEP_STALE_MS: envInt(300_000),
});

/** The cascade worker's configuration, parsed once. */
export interface CascadeWorkerConfig extends SharedConfig {
  readonly database: SharedConfig['database'] & { readonly poolSize: number };
  readonly worker: { readonly concurrency: number };
  readonly ops: WorkerOpsConfig;
  /** How often the sweeper runs, and how old a deletion mark must be to count as stuck. */
  readonly sweep: { readonly intervalMs: number; readonly staleAfterMs: number };
}

/** Parses the cascade worker's environment. @throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): CascadeWorkerConfig {
  const parsed = parseEnv(CascadeEnv, env);
  const shared = toSharedConfig(parsed);
  return {
    ...shared,
    database: { ...shared.database, poolSize: parsed.CASCADE_DB_POOL_SIZE },
    worker: { concurrency: parsed.CASCADE_CONCURRENCY },
    ops: {
      host: parsed.CASCADE_METRICS_HOST,
      port: parsed.CASCADE_METRICS_PORT,
      metricsToken: parsed.METRICS_TOKEN,
    },
    sweep: {
      intervalMs: parsed.CASCADE_SWEEP_INTERVAL_MS,
      staleAfterMs: parsed.CASCADE_SWEEP_STALE_MS,
    },
  };
}
