import type { DomainEvent } from '@cp/contracts';
import type { EntityManager } from 'typeorm';
import { runSql, sqlRows } from '../sql';

/** An outbox row handed to the relay. */
export interface OutboxEntry {
  id: string;
  payload: DomainEvent;
  /** How old the row was when claimed, by the database's clock (no clock skew between hosts). */
  ageMs: number;
}

/**
 * The transactional outbox. `append` runs inside the transaction of the change it describes,
 * so the event exists exactly when the change does; the relay's methods run on their own.
 */
export class OutboxRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Records events in the current transaction, in one statement however many there are. */
  async append(...events: DomainEvent[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    await runSql(
      this.manager,
      `INSERT INTO event_outbox (id, workspace_id, type, payload)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[])`,
      [
        events.map((e) => e.id),
        events.map((e) => e.workspace_id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e)),
      ],
    );
  }

  /**
   * Leases up to `limit` unpublished events, oldest first, for `leaseSeconds`: rows another
   * relay holds are skipped, and an expired lease (a relay that died) is taken over.
   */
  async claimUnpublished(limit: number, leaseSeconds: number): Promise<OutboxEntry[]> {
    return sqlRows<OutboxEntry>(
      this.manager,
      `WITH claimable AS (
         SELECT id FROM event_outbox
         WHERE published_at IS NULL
           AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE event_outbox o SET claimed_until = clock_timestamp() + make_interval(secs => $2)
         FROM claimable c WHERE o.id = c.id
         RETURNING o.id, o.payload, o.created_at
       )
       SELECT id, payload,
              (extract(epoch FROM clock_timestamp() - created_at) * 1000)::float8 AS "ageMs"
       FROM claimed ORDER BY created_at, id`,
      [limit, leaseSeconds],
    );
  }

  /** Stamps events as published. */
  async markPublished(ids: string[]): Promise<void> {
    await runSql(
      this.manager,
      `UPDATE event_outbox SET published_at = now() WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Gives back the lease of claimed events a relay could not publish, for the next run. */
  async releaseClaims(ids: string[]): Promise<void> {
    await runSql(
      this.manager,
      `UPDATE event_outbox SET claimed_until = NULL
       WHERE id = ANY($1::uuid[]) AND published_at IS NULL`,
      [ids],
    );
  }

  /** Deletes published events older than `before` (housekeeping). Returns how many. */
  async prunePublished(before: Date): Promise<number> {
    return (
      (await runSql(this.manager, `DELETE FROM event_outbox WHERE published_at < $1`, [before]))
        .affected ?? 0
    );
  }

  /** Every event recorded for a workspace, oldest first (tests and diagnostics). */
  async listForWorkspace(workspaceId: string): Promise<(DomainEvent & { published: boolean })[]> {
    const rows = await sqlRows<{ payload: DomainEvent; published: boolean }>(
      this.manager,
      `SELECT payload, published_at IS NOT NULL AS published FROM event_outbox
       WHERE workspace_id = $1 ORDER BY created_at, id`,
      [workspaceId],
    );
    return rows.map((r) => ({ ...r.payload, published: r.published }));
  }
}
