import { Client } from 'pg';
import { testDatabaseUrl } from './env';

/** Runs `fn` with a short-lived connection to the admin database of DATABASE_URL. */
export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: testDatabaseUrl(),
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Quotes an identifier we generated ourselves (letters, digits, underscores only). */
export function ident(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`refusing to quote unexpected identifier ${name}`);
  }
  return `"${name}"`;
}
