import { randomBytes } from 'node:crypto';
import { createDataSource, runMigrations } from '@cp/db';
import type { Client } from 'pg';
import { ident, withAdminClient } from './admin-client';
import { TEST_DB_PREFIX, testDatabaseUrl, withDatabase } from './env';

/** Databases of runs older than this are leftovers of crashed runs and get dropped. */
const STALE_AFTER_MS = 6 * 3600 * 1000;

/**
 * Jest global setup for the `int` project: creates this run's template database, migrates it
 * once, closes every connection to it (Postgres will not clone a template in use), and passes
 * its name to the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const template = `${TEST_DB_PREFIX}${runId}_tpl`;

  await withAdminClient(async (client) => {
    await dropStaleDatabases(client);
    await client.query(`CREATE DATABASE ${ident(template)}`);
  });

  const dataSource = createDataSource({
    url: withDatabase(testDatabaseUrl(), template),
    poolSize: 1,
    applicationName: 'cp-test-setup',
  });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }

  process.env.CP_TEST_RUN_ID = runId;
  process.env.CP_TEST_TEMPLATE_DB = template;
}

async function dropStaleDatabases(client: Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`${TEST_DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const stamp = /^cp_test_([0-9a-z]+)_/.exec(datname)?.[1];
    const createdAt = stamp ? parseInt(stamp, 36) : NaN;
    if (Number.isFinite(createdAt) && Date.now() - createdAt > STALE_AFTER_MS) {
      await client.query(`DROP DATABASE IF EXISTS ${ident(datname)} WITH (FORCE)`);
    }
  }
}
