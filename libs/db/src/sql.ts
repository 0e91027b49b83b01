import type { EntityManager, QueryResult } from 'typeorm';

/**
 * Runs parameterised SQL and returns TypeORM's structured result (`records` and `affected`),
 * whatever the statement kind. (Plain `manager.query` returns `[rows, count]` for UPDATE and
 * DELETE but `rows` for SELECT and INSERT.) Inside a transaction it uses that transaction's
 * connection.
 */
export async function runSql(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<QueryResult> {
  const own = manager.queryRunner === undefined;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    return await runner.query(sql, params, true);
  } finally {
    if (own) {
      await runner.release();
    }
  }
}

/** Runs parameterised SQL and returns its rows (RETURNING rows for writes). */
export async function sqlRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await runSql(manager, sql, params)).records as T[];
}
