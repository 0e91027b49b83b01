import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upstream migration 121: the legacy full key on (workspace_id, daemon_id, provider) becomes a
 * partial key over built-in rows only, so one daemon can hold a built-in codex row and any
 * number of custom codex-family rows. Every upsert must now name the predicate in its
 * ON CONFLICT clause.
 */
export class ProviderPartialUnique1764806400121 implements MigrationInterface {
  name = 'ProviderPartialUnique1764806400121';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE agent_runtime DROP CONSTRAINT agent_runtime_workspace_id_daemon_id_provider_key;
      CREATE UNIQUE INDEX agent_runtime_workspace_daemon_provider_key
        ON agent_runtime (workspace_id, daemon_id, provider)
        WHERE profile_id IS NULL;
    `);
  }

  /**
   * Restoring the full key is impossible while one daemon holds two rows of a provider (a
   * built-in and a custom one, or two custom ones); this refuses with the rows to remove instead
   * of Postgres's bare 23505. Rows without a daemon never clash: NULLs are distinct in the key.
   */
  async down(queryRunner: QueryRunner): Promise<void> {
    const clashes = (await queryRunner.query(`
      SELECT workspace_id, daemon_id, provider
      FROM agent_runtime
      WHERE daemon_id IS NOT NULL
      GROUP BY workspace_id, daemon_id, provider
      HAVING count(*) > 1
      ORDER BY workspace_id, daemon_id, provider
      LIMIT 5
    `)) as { workspace_id: string; daemon_id: string; provider: string }[];
    if (clashes.length > 0) {
      const examples = clashes
        .map((c) => `workspace ${c.workspace_id} daemon ${c.daemon_id} provider ${c.provider}`)
        .join('; ');
      throw new Error(
        'cannot revert ProviderPartialUnique: one daemon holds several runtimes of the same ' +
          `provider (${examples}); delete the custom runtime rows ` +
          '(agent_runtime.profile_id IS NOT NULL) first',
      );
    }
    await queryRunner.query(`
      DROP INDEX IF EXISTS agent_runtime_workspace_daemon_provider_key;
      ALTER TABLE agent_runtime ADD CONSTRAINT agent_runtime_workspace_id_daemon_id_provider_key
        UNIQUE (workspace_id, daemon_id, provider);
    `);
  }
}
