import type { DataSource } from 'typeorm';

/** Applies every pending migration, each in its own transaction. Returns the names applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/** Reverts the last applied migration. Returns its name, or undefined when none was applied. */
export async function revertLastMigration(dataSource: DataSource): Promise<string | undefined> {
  const before = await appliedMigrations(dataSource);
  if (before.length === 0) {
    return undefined;
  }
  await dataSource.undoLastMigration({ transaction: 'each' });
  return before[before.length - 1];
}

/** Names of the applied migrations, oldest first. */
export async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const hasTable = await dataSource.query<{ present: boolean }[]>(
    `SELECT to_regclass('migrations') IS NOT NULL AS present`,
  );
  if (!hasTable[0]?.present) {
    return [];
  }
  const rows = await dataSource.query<{ name: string }[]>(
    'SELECT name FROM migrations ORDER BY "timestamp" ASC',
  );
  return rows.map((r) => r.name);
}
