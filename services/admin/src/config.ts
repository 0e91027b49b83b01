import { type Env, parseEnv, sharedEnvShape } from '@cp/platform';
import { z } from 'zod';

/** The admin CLI reads only the database URL; the other shared variables do not concern it. */
export const AdminEnv = z.object({
  DATABASE_URL: sharedEnvShape.DATABASE_URL,
});

/** The admin CLI's configuration. */
export interface AdminConfig {
  readonly database: { readonly url: string };
}

/** Parses the environment once; a bad value throws a ConfigError naming it. */
export function loadConfig(env: Env = process.env): AdminConfig {
  const parsed = parseEnv(AdminEnv, env);
  return { database: { url: parsed.DATABASE_URL } };
}
