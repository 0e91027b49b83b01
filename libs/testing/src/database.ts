import { randomBytes } from 'node:crypto';
import { createDataSource, createDb, type Db } from '@cp/db';
import type { DataSource } from 'typeorm';
import { ident, withAdminClient } from './admin-client';
import { TEST_DB_PREFIX, templateDatabase, testDatabaseUrl, withDatabase } from './env';

/** A database of one test file. */
export interface ScratchDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  /** Closes the pool and drops the database (WITH FORCE). Call it in `afterAll`. */
  drop(): Promise<void>;
}

/** A test file's database cloned from the migrated template, with its {@link Db} facade. */
export interface TestDatabase extends ScratchDatabase {
  db: Db;
}

/**
 * Clones the run's migrated template into a fresh database and connects to it. Call it in
 * `beforeAll`; tests in one file share it, so each test creates uniquely named rows.
 */
export async function createTestDatabase(opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  const scratch = await newDatabase(templateDatabase(), opts.poolSize ?? 10);
  return { ...scratch, db: createDb(scratch.dataSource) };
}

/** An empty database (no migrations applied), for tests of the migrations themselves. */
export async function createEmptyTestDatabase(): Promise<ScratchDatabase> {
  return newDatabase(undefined, 2);
}

async function newDatabase(
  template: string | undefined,
  poolSize: number,
): Promise<ScratchDatabase> {
  const name = `${TEST_DB_PREFIX}${process.env.CP_TEST_RUN_ID ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
  const create = `CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`;
  await withAdminClient(async (client) => {
    // Parallel clones of one template can collide while it is being read (55006); retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(create);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt >= 20) {
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const url = withDatabase(testDatabaseUrl(), name);
  const dataSource = createDataSource({ url, poolSize, applicationName: 'cp-test' });
  await dataSource.initialize();
  return {
    name,
    url,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) {
        await dataSource.destroy();
      }
      await withAdminClient((client) =>
        client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`),
      );
    },
  };
}
