import { createServer } from 'node:net';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '@cp/platform';

/** The server tests use: DATABASE_URL (its database is only the admin entry point). */
export const testDatabaseUrl = (): string => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
/** The Redis tests use. */
export const testRedisUrl = (): string => process.env.REDIS_URL || DEFAULT_REDIS_URL;

/** Every database a test run creates starts with this. */
export const TEST_DB_PREFIX = 'cp_test_';

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The template database of this run (set by the global setup). */
export function templateDatabase(): string {
  const name = process.env.CP_TEST_TEMPLATE_DB;
  if (!name) {
    throw new Error(
      'CP_TEST_TEMPLATE_DB is not set: run integration tests through jest (npm test)',
    );
  }
  return name;
}

/** This process's environment with overrides, for spawning a service under test. */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/** A TCP port on loopback that is free right now (for a server a test starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('no free port');
  }
  return address.port;
}
