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
   * Resolves to false when no such row is in the workspace.
   */
  async recordHeartbeat(workspaceId: string, runtimeId: string): Promise<boolean> {
    const rows = await sqlRows<{ id: string }>(
      this.manager,
      `UPDATE agent_runtime
       SET last_seen_at = now(),
           status = CASE WHEN metadata @> '{"runtime_profile_registration_error": true}'
                         THEN status ELSE 'online' END,
           updated_at = CASE WHEN status = 'online'
                               OR metadata @> '{"runtime_profile_registration_error": true}'
                             THEN updated_at ELSE now() END
       WHERE id = $1 AND workspace_id = $2
       RETURNING id`,
      [runtimeId, workspaceId],
    );
    return rows.length > 0;
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
