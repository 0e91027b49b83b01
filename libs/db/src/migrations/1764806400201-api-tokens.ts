import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ours: `api_token` (personal and daemon tokens, stored as SHA-256 only) and
 * `user.is_operator`. Like every new relation, the token's user and workspace ids carry no
 * foreign key; the app checks them, and revocation is a timestamp, never a delete.
 */
export class ApiTokens1764806400201 implements MigrationInterface {
  name = 'ApiTokens1764806400201';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "user" ADD COLUMN is_operator BOOLEAN NOT NULL DEFAULT false;
      CREATE TABLE api_token (
        id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        kind TEXT NOT NULL CHECK (kind IN ('pat', 'daemon')),
        token_hash TEXT NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        user_id UUID,
        workspace_id UUID,
        created_by UUID,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_used_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ,
        CONSTRAINT api_token_scope_check CHECK (
          (kind = 'pat' AND user_id IS NOT NULL AND workspace_id IS NULL)
          OR (kind = 'daemon' AND workspace_id IS NOT NULL)
        )
      );
      CREATE INDEX idx_api_token_user ON api_token (user_id);
      CREATE INDEX idx_api_token_workspace ON api_token (workspace_id);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE IF EXISTS api_token;
      ALTER TABLE "user" DROP COLUMN IF EXISTS is_operator;
    `);
  }
}
