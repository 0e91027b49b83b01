import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ours: the transactional outbox. Every committed change writes its event here in the same
 * transaction; a relay publishes unpublished rows to the Redis event stream and stamps
 * `published_at`. `claimed_until` is a short lease, so several relays (one per process) rarely
 * publish the same row twice and a relay that dies mid-publish is taken over.
 */
export class EventOutbox1764806400202 implements MigrationInterface {
  name = 'EventOutbox1764806400202';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE event_outbox (
        id UUID PRIMARY KEY,
        workspace_id UUID NOT NULL,
        type TEXT NOT NULL,
        payload JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        claimed_until TIMESTAMPTZ,
        published_at TIMESTAMPTZ
      );
      CREATE INDEX idx_event_outbox_unpublished ON event_outbox (created_at, id)
        WHERE published_at IS NULL;
      CREATE INDEX idx_event_outbox_published ON event_outbox (published_at)
        WHERE published_at IS NOT NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS event_outbox;`);
  }
}
