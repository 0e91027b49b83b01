import { connectDataSource, createDb, type Db } from '@cp/db';

/** An open connection pool and its {@link Db} facade. */
export interface DbConnection {
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects to Postgres. An unreachable server throws the one-line StartupError that names the
 * URL and how to start it.
 */
export async function connectDb(url: string): Promise<DbConnection> {
  // One command at a time, each in one transaction: one connection is enough.
  const dataSource = await connectDataSource({ url, poolSize: 1, applicationName: 'cp-admin' });
  return { db: createDb(dataSource), close: () => dataSource.destroy() };
}
