import { ident, withAdminClient } from './admin-client';
import { TEST_DB_PREFIX } from './env';

/** Jest global teardown: drops this run's template and any clone a crashed file left behind. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.CP_TEST_RUN_ID;
  if (!runId) {
    return;
  }
  await withAdminClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${TEST_DB_PREFIX}${runId}_%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${ident(datname)} WITH (FORCE)`);
    }
  });
}
