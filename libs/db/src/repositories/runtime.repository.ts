import type { EntityManager } from 'typeorm';
import { AgentRuntime } from '../entities';
import { sqlRows } from '../sql';

/** Fields of a runtime row written directly (fixtures, cloud runtimes). */
export type NewRuntime = Pick<AgentRuntime, 'workspaceId' | 'name' | 'runtimeMode' | 'provider'> &
  Partial<
    Pick<
      AgentRuntime,
      | 'daemonId'
      | 'status'
      | 'deviceInfo'
      | 'metadata'
      | 'lastSeenAt'
      | 'ownerId'
      | 'legacyDaemonId'
      | 'visibility'
      | 'profileId'
    >
  >;

/** `agent_runtime` rows, built-in and custom. */
export class RuntimeRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts one row as given (the registration path upserts in bulk instead). */
  async create(input: NewRuntime): Promise<AgentRuntime> {
    return this.manager.getRepository(AgentRuntime).save(this.manager.create(AgentRuntime, input));
  }

  /** The row with this id, or null. */
  async findById(runtimeId: string): Promise<AgentRuntime | null> {
    return this.manager.findOneBy(AgentRuntime, { id: runtimeId });
  }

  /** The row with this id in this workspace, or null (another workspace's row is null). */
  async findInWorkspace(workspaceId: string, runtimeId: string): Promise<AgentRuntime | null> {
    return this.manager.findOneBy(AgentRuntime, { id: runtimeId, workspaceId });
  }

  /**
   * A daemon's heartbeat: one statement on the primary key, scoped to the caller's workspace.
   * Marks the row seen now and online; `updated_at` moves only when the status flips, so the hot
   * path leaves it alone (as upstream's touch does). A failed-profile row (its command could not
   * be resolved) keeps its `offline`: only a registration that resolves the command revives it.
   *
   * It never waits for a row lock: a row held by a registration (which stamps `last_seen_at`
   * itself) or by a cascade (which is about to delete it, or refuses and leaves it) is skipped,
   * so a deletion in progress cannot make heartbeats queue up and drain the pool. Resolves to
   * false when no such row is in the workspace (as of the statement's start).
   */
  async recordHeartbeat(workspaceId: string, runtimeId: string): Promise<boolean> {
    const [row] = await sqlRows<{ present: boolean }>(
      this.manager,
      `WITH target AS (
         SELECT id FROM agent_runtime
         WHERE id = $1 AND workspace_id = $2
         FOR NO KEY UPDATE SKIP LOCKED
       ), touched AS (
         UPDATE agent_runtime r
         SET last_seen_at = now(),
             status = CASE WHEN r.metadata @> '{"runtime_profile_registration_error": true}'
                           THEN r.status ELSE 'online' END,
             updated_at = CASE WHEN r.status = 'online'
                                 OR r.metadata @> '{"runtime_profile_registration_error": true}'
                               THEN r.updated_at ELSE now() END
         FROM target WHERE r.id = target.id
         RETURNING r.id
       )
       SELECT EXISTS (SELECT 1 FROM touched)
           OR EXISTS (SELECT 1 FROM agent_runtime WHERE id = $1 AND workspace_id = $2)
           AS present`,
      [runtimeId, workspaceId],
    );
    return row?.present === true;
  }

  /** The workspace's runtimes, oldest first; only one owner's when `ownerId` is given. */
  async listInWorkspace(
    workspaceId: string,
    opts: { ownerId?: string } = {},
  ): Promise<AgentRuntime[]> {
    return this.manager.find(AgentRuntime, {
      where: { workspaceId, ...(opts.ownerId ? { ownerId: opts.ownerId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
