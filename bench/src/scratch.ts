import { randomBytes } from 'node:crypto';
import { connectDataSource, createDb, type Db, runMigrations } from '@cp/db';
import { DEFAULT_DATABASE_URL } from '@cp/platform';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/** A migrated database of its own for one benchmark run, on DATABASE_URL's server. */
export interface ScratchDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

const serverUrl = (): string => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates and migrates a scratch database. */
export async function createScratchDatabase(poolSize = 4): Promise<ScratchDatabase> {
  const name = `cp_bench_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const dataSource = await connectDataSource({ url: url.toString(), poolSize });
  await runMigrations(dataSource);
  return {
    name,
    url: url.toString(),
    dataSource,
    db: createDb(dataSource),
    drop: async () => {
      await dataSource.destroy();
      await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
