/**
 * `node libs/db/dist/cli.js migrate|revert`: applies pending migrations, or reverts the last one,
 * against DATABASE_URL. Behind `npm run db:migrate` and `npm run db:revert`.
 */
import { createLogger, failStartup, loadSharedConfig } from '@cp/platform';
import type { DataSource } from 'typeorm';
import { connectDataSource } from './data-source';
import { revertLastMigration, runMigrations } from './migrate';

async function main(command: string | undefined): Promise<void> {
  const config = loadSharedConfig(process.env);
  const log = createLogger('db', config.log.level);
  if (command !== 'migrate' && command !== 'revert') {
    process.stderr.write('usage: cli.js migrate|revert\n');
    process.exit(2);
  }
  let dataSource: DataSource;
  try {
    dataSource = await connectDataSource({
      url: config.database.url,
      poolSize: 1,
      applicationName: 'cp-migrate',
    });
  } catch (err) {
    failStartup(log, err);
  }
  try {
    if (command === 'migrate') {
      const applied = await runMigrations(dataSource);
      log.info(
        { applied },
        applied.length ? `applied ${applied.length} migration(s)` : 'schema is up to date',
      );
    } else {
      const reverted = await revertLastMigration(dataSource);
      log.info({ reverted }, reverted ? `reverted ${reverted}` : 'no migration to revert');
    }
  } catch (err) {
    log.fatal(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await dataSource.destroy();
  }
}

void main(process.argv[2]);
