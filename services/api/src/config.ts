import {
  envFlag,
  envInt,
  envPort,
  type Env,
  metricsEnvShape,
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
  API_PORT: envPort(8080),
  API_DB_POOL_SIZE: envInt(20),
  API_READINESS_TIMEOUT_MS: envInt(1_000),
  API_REGISTER_WAIT_MS: envInt(5_000, 0),
  ...metricsEnvShape,
  API_ADMIN_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  API_ADMIN_SESSION_TTL_MS: envInt(8 * 3600 * 1000, 60_000),
  API_ADMIN_COOKIE_SECURE: envFlag(false),
});

/** The api's configuration, parsed once. */
export interface ApiConfig extends SharedConfig {
  readonly http: { readonly host: string; readonly port: number };
  readonly database: SharedConfig['database'] & { readonly poolSize: number };
  readonly readinessTimeoutMs: number;
  /** How long a registration waits for its outcome before answering 202. */
  readonly registerWaitMs: number;
  /**
   * The queue dashboard's session cookies: the signing secret (unset: one generated per
   * process, so sessions end with it), their lifetime, and whether they are `Secure`.
   */
  readonly admin: {
    readonly sessionSecret?: string;
    readonly sessionTtlMs: number;
    readonly secureCookie: boolean;
  };
  /** The bearer token Prometheus may scrape `/metrics` with (besides operators). */
  readonly metrics: { readonly token?: string };
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
    admin: {
      sessionSecret: parsed.API_ADMIN_SESSION_SECRET,
      sessionTtlMs: parsed.API_ADMIN_SESSION_TTL_MS,
      secureCookie: parsed.API_ADMIN_COOKIE_SECURE,
    },
    metrics: { token: parsed.METRICS_TOKEN },
  };
}
