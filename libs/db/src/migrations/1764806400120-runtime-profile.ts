import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upstream migration 120: the `runtime_profile` table, the nullable `agent_runtime.profile_id`
 * and the partial unique key over profile instances. Purely additive; the legacy full provider
 * key stays. No foreign keys on `workspace_id`, `created_by` or `profile_id` (house rule).
 */
export class RuntimeProfile1764806400120 implements MigrationInterface {
  name = 'RuntimeProfile1764806400120';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE runtime_profile (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id UUID NOT NULL,
        display_name TEXT NOT NULL,
        protocol_family TEXT NOT NULL CHECK (protocol_family IN (
          'claude', 'codebuddy', 'codex', 'copilot', 'opencode', 'openclaw', 'hermes',
          'gemini', 'pi', 'cursor', 'kimi', 'kiro', 'antigravity'
        )),
        command_name TEXT NOT NULL,
        description TEXT,
        fixed_args JSONB NOT NULL DEFAULT '[]',
        visibility TEXT NOT NULL DEFAULT 'workspace' CHECK (visibility IN ('workspace', 'private')),
        created_by UUID,
        enabled BOOLEAN NOT NULL DEFAULT true,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, display_name)
      );
      CREATE INDEX idx_runtime_profile_workspace ON runtime_profile (workspace_id);
      ALTER TABLE agent_runtime ADD COLUMN profile_id UUID;
      CREATE UNIQUE INDEX agent_runtime_workspace_daemon_profile_key
        ON agent_runtime (workspace_id, daemon_id, profile_id)
        WHERE profile_id IS NOT NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX IF EXISTS agent_runtime_workspace_daemon_profile_key;
      ALTER TABLE agent_runtime DROP COLUMN IF EXISTS profile_id;
      DROP INDEX IF EXISTS idx_runtime_profile_workspace;
      DROP TABLE IF EXISTS runtime_profile;
    `);
  }
}
