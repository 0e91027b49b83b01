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

/** The registry worker's variables; `.env.example` documents each (tests/deploy checks it). */
export const RegistryEnv = z.object({
  ...sharedEnvShape,
  ...metricsEnvShape,
  REGISTRY_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  REGISTRY_METRICS_PORT: envPort(9101),
  REGISTRY_CONCURRENCY: envInt(64),
  REGISTRY_DB_POOL_SIZE: envInt(10),
  REGISTRY_BATCH_SIZE: envInt(64),
  REGISTRY_BATCH_FLUSHES: envInt(4),
});

/** The registry worker's configuration, parsed once. */
export interface RegistryWorkerConfig extends SharedConfig {
  readonly database: SharedConfig['database'] & { readonly poolSize: number };
  readonly worker: { readonly concurrency: number };
  readonly ops: WorkerOpsConfig;
  /** Registrations per transaction, and how many such transactions run at once. */
  readonly batch: { readonly maxBatchSize: number; readonly maxConcurrentFlushes: number };
}

/** Parses the registry worker's environment. @throws ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): RegistryWorkerConfig {
  const parsed = parseEnv(RegistryEnv, env);
  const shared = toSharedConfig(parsed);
  return {
    ...shared,
    database: { ...shared.database, poolSize: parsed.REGISTRY_DB_POOL_SIZE },
    worker: { concurrency: parsed.REGISTRY_CONCURRENCY },
    ops: {
      host: parsed.REGISTRY_METRICS_HOST,
      port: parsed.REGISTRY_METRICS_PORT,
      metricsToken: parsed.METRICS_TOKEN,
    },
    batch: {
      maxBatchSize: parsed.REGISTRY_BATCH_SIZE,
      maxConcurrentFlushes: parsed.REGISTRY_BATCH_FLUSHES,
    },
  };
}
