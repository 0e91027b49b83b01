import { z } from 'zod';

/** Raised when the environment does not parse; lists every bad variable at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/** The environment as a plain map (`process.env` or a test's literal). */
export type Env = Record<string, string | undefined>;

/**
 * Parses `env` with a flat zod schema. Empty strings count as unset, so `FOO=` falls back to
 * the default. Throws one {@link ConfigError} naming every bad variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return result.data;
}

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];

/**
 * A boolean variable. Accepts true/false, 1/0, yes/no, on/off (any case); anything else is a
 * configuration error. Never use `z.coerce.boolean()`: it reads `"false"` as true.
 */
export const envFlag = (defaultValue: boolean) =>
  z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .refine((value) => TRUE_WORDS.includes(value) || FALSE_WORDS.includes(value), {
      message: `expected one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`,
    })
    .transform((value) => TRUE_WORDS.includes(value))
    .default(defaultValue);

/** A positive integer variable with a default. */
export const envInt = (defaultValue: number, min = 1) =>
  z.coerce.number().int().min(min).default(defaultValue);

/** A TCP port variable with a default; 0 lets the system pick a free port (tests). */
export const envPort = (defaultValue: number) =>
  envInt(defaultValue, 0).pipe(z.number().max(65535));

/**
 * `METRICS_TOKEN`, the same in every process: the bearer token Prometheus scrapes `/metrics`
 * with (compared in constant time). Unset: the api's `/metrics` is for operators only, and a
 * worker's (on its own loopback port by default) is open.
 */
export const metricsEnvShape = {
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
};

/** Default Postgres URL: the local server's `postgres` database. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Default Redis URL: the local server. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Default BullMQ prefix. The braces are a Redis Cluster hash tag: every key lands in one slot. */
export const DEFAULT_QUEUE_PREFIX = '{cp}';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Variables every process shares, with the same names and defaults everywhere. */
export const sharedEnvShape = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default(DEFAULT_DATABASE_URL),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default(DEFAULT_REDIS_URL),
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_.-]+\}$/, 'must be a Redis Cluster hash tag such as {cp}')
    .default(DEFAULT_QUEUE_PREFIX),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SHUTDOWN_TIMEOUT_MS: envInt(25_000),
};

const sharedEnvSchema = z.object(sharedEnvShape);
type SharedEnv = z.infer<typeof sharedEnvSchema>;

/** The shared part of every process's nested config. */
export interface SharedConfig {
  readonly database: { readonly url: string };
  readonly redis: { readonly url: string };
  readonly queue: { readonly prefix: string };
  readonly log: { readonly level: LogLevel };
  readonly shutdownTimeoutMs: number;
}

/** Nests the shared variables (already parsed) into {@link SharedConfig}. */
export function toSharedConfig(env: SharedEnv): SharedConfig {
  return {
    database: { url: env.DATABASE_URL },
    redis: { url: env.REDIS_URL },
    queue: { prefix: env.QUEUE_PREFIX },
    log: { level: env.LOG_LEVEL },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}

/** Loads only the shared variables (used by tools such as the migration CLI). */
export function loadSharedConfig(env: Env): SharedConfig {
  return toSharedConfig(parseEnv(sharedEnvSchema, env));
}
