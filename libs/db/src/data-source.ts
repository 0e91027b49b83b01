import 'reflect-metadata';
import { unreachable } from '@cp/platform';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './naming-strategy';

/** How to reach Postgres. */
export interface DataSourceOptions {
  url: string;
  /** Pool size (default 10). */
  poolSize?: number;
  /** Shown in `pg_stat_activity` (default `control-plane`). */
  applicationName?: string;
  /** Milliseconds to wait for a connection before failing (default 5000). */
  connectionTimeoutMs?: number;
}

/**
 * Builds the only kind of DataSource the system uses: explicit entity and migration lists,
 * snake_case columns, never `synchronize`, never migrations on initialize. Call `initialize()`
 * on the result.
 */
export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName ?? 'control-plane',
    connectTimeoutMS: opts.connectionTimeoutMs ?? 5000,
  });
}

/**
 * Creates and initialises a DataSource, turning a connection failure into the one-line
 * {@link StartupError} that names the URL and how to start Postgres.
 */
export async function connectDataSource(opts: DataSourceOptions): Promise<DataSource> {
  const dataSource = createDataSource(opts);
  try {
    await dataSource.initialize();
  } catch (err) {
    throw unreachable('Postgres', opts.url, err);
  }
  return dataSource;
}
