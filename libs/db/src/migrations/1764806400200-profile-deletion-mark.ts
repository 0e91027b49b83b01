import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ours: `runtime_profile.deletion_requested_at`, non-NULL while a deletion is queued or running.
 * The partial index serves the sweeper, which looks for marks older than a few minutes.
 */
export class ProfileDeletionMark1764806400200 implements MigrationInterface {
  name = 'ProfileDeletionMark1764806400200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE runtime_profile ADD COLUMN deletion_requested_at TIMESTAMPTZ;
      CREATE INDEX idx_runtime_profile_deletion_requested
        ON runtime_profile (deletion_requested_at)
        WHERE deletion_requested_at IS NOT NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX IF EXISTS idx_runtime_profile_deletion_requested;
      ALTER TABLE runtime_profile DROP COLUMN IF EXISTS deletion_requested_at;
    `);
  }
}
