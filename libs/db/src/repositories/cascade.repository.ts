import type { EntityManager } from 'typeorm';
import type { Agent } from '../entities';
import { runSql, sqlRows } from '../sql';

/** What a cascade removed or changed. */
export interface CascadeCounts {
  autopilotsPaused: number;
  squadsDeleted: number;
  agentsDeleted: number;
  runtimesDeleted: number;
}

/** Why a cascade may not run: the agents or squads that still need the runtimes. */
export type CascadeBlocker =
  | { kind: 'active-agents'; agents: Agent[] }
  | { kind: 'active-squads-led-by-archived-agents'; squadIds: string[] };

interface AgentRow {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  runtime_mode: Agent['runtimeMode'];
  runtime_config: Record<string, unknown>;
  runtime_id: string;
  visibility: Agent['visibility'];
  status: Agent['status'];
  owner_id: string | null;
  custom_args: unknown[];
  custom_env: Record<string, unknown>;
  archived_at: Date | null;
  archived_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const toAgent = (r: AgentRow): Agent => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  description: r.description,
  runtimeMode: r.runtime_mode,
  runtimeConfig: r.runtime_config,
  runtimeId: r.runtime_id,
  visibility: r.visibility,
  status: r.status,
  ownerId: r.owner_id,
  customArgs: r.custom_args,
  customEnv: r.custom_env,
  archivedAt: r.archived_at,
  archivedBy: r.archived_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The deletion cascades' SQL (spec §5, ARCHITECTURE.md §5). Lock order everywhere: the profile,
 * then its runtime rows in id order, then their agents in id order. Every statement is
 * set-based over all the runtimes at once. Callers run a whole cascade in one transaction.
 */
export class CascadeRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Marks a profile for deletion (if not marked yet) and returns the mark, truncated to
   * milliseconds so it round-trips through JavaScript; null when the profile is not in the
   * workspace. A repeated request returns the first mark, so both meet the same job.
   */
  async markProfileForDeletion(workspaceId: string, profileId: string): Promise<Date | null> {
    const rows = await sqlRows<{ mark: Date }>(
      this.manager,
      `UPDATE runtime_profile
       SET deletion_requested_at = COALESCE(deletion_requested_at, date_trunc('milliseconds', now()))
       WHERE id = $1 AND workspace_id = $2
       RETURNING deletion_requested_at AS mark`,
      [profileId, workspaceId],
    );
    return rows[0]?.mark ?? null;
  }

  /** Clears the mark if it is still `mark` (a newer request keeps its own). */
  async clearDeletionMark(profileId: string, mark: Date): Promise<void> {
    await runSql(
      this.manager,
      `UPDATE runtime_profile SET deletion_requested_at = NULL
       WHERE id = $1 AND deletion_requested_at = $2`,
      [profileId, mark],
    );
  }

  /** Profiles marked before `olderThan`, oldest first (the sweeper re-enqueues them). */
  async staleDeletionMarks(
    olderThan: Date,
    limit: number,
  ): Promise<{ id: string; workspaceId: string; mark: Date }[]> {
    const rows = await sqlRows<{ id: string; workspace_id: string; mark: Date }>(
      this.manager,
      `SELECT id, workspace_id, deletion_requested_at AS mark FROM runtime_profile
       WHERE deletion_requested_at IS NOT NULL AND deletion_requested_at < $1
       ORDER BY deletion_requested_at LIMIT $2`,
      [olderThan, limit],
    );
    return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, mark: r.mark }));
  }

  /** Locks the profile `FOR UPDATE`; returns its deletion mark, or undefined when it is gone. */
  async lockProfile(
    workspaceId: string,
    profileId: string,
  ): Promise<{ mark: Date | null } | undefined> {
    const rows = await sqlRows<{ mark: Date | null }>(
      this.manager,
      `SELECT deletion_requested_at AS mark FROM runtime_profile
       WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
      [profileId, workspaceId],
    );
    return rows[0];
  }

  /** Locks the profile's runtime rows in id order and returns their ids. */
  async lockProfileRuntimes(workspaceId: string, profileId: string): Promise<string[]> {
    const rows = await sqlRows<{ id: string }>(
      this.manager,
      `SELECT id FROM agent_runtime WHERE profile_id = $1 AND workspace_id = $2 ORDER BY id FOR UPDATE`,
      [profileId, workspaceId],
    );
    return rows.map((r) => r.id);
  }

  /** Locks one runtime row; returns it (with owner and workspace) or null when gone. */
  async lockRuntime(
    runtimeId: string,
  ): Promise<{ id: string; workspaceId: string; ownerId: string | null } | null> {
    const rows = await sqlRows<{ id: string; workspace_id: string; owner_id: string | null }>(
      this.manager,
      `SELECT id, workspace_id, owner_id FROM agent_runtime WHERE id = $1 FOR UPDATE`,
      [runtimeId],
    );
    const row = rows[0];
    return row ? { id: row.id, workspaceId: row.workspace_id, ownerId: row.owner_id } : null;
  }

  /**
   * Locks the agents on these runtimes (id order) and checks both guards: no active agent, and
   * no active squad led by an archived agent. Returns the first blocker, or the archived
   * agents' ids when the cascade may run.
   */
  async checkGuards(
    runtimeIds: string[],
  ): Promise<{ blocker: CascadeBlocker } | { archivedAgentIds: string[] }> {
    if (runtimeIds.length === 0) {
      return { archivedAgentIds: [] };
    }
    const agents = (
      await sqlRows<AgentRow>(
        this.manager,
        `SELECT * FROM agent WHERE runtime_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [runtimeIds],
      )
    ).map(toAgent);
    const active = agents.filter((a) => a.archivedAt === null);
    if (active.length > 0) {
      return { blocker: { kind: 'active-agents', agents: active } };
    }
    const archivedAgentIds = agents.map((a) => a.id);
    const squads = await sqlRows<{ id: string }>(
      this.manager,
      `SELECT id FROM squad WHERE archived_at IS NULL AND leader_id = ANY($1::uuid[]) ORDER BY id`,
      [archivedAgentIds],
    );
    if (squads.length > 0) {
      return {
        blocker: {
          kind: 'active-squads-led-by-archived-agents',
          squadIds: squads.map((s) => s.id),
        },
      };
    }
    return { archivedAgentIds };
  }

  /**
   * Tears down what hangs off these runtimes, in upstream's order (the RESTRICT foreign keys
   * define it): pause the archived agents' active agent-assigned autopilots (squad-assigned ones
   * stay), delete the archived squads they lead, delete the archived agents (their tasks
   * cascade), then delete the runtime rows (their tasks cascade too). Call after
   * {@link checkGuards} allowed it, in the same transaction.
   */
  async deleteRuntimesAndDependents(
    runtimeIds: string[],
    archivedAgentIds: string[],
    runtimeFilter: { profileId: string; workspaceId: string } | null,
  ): Promise<CascadeCounts> {
    const count = async (sql: string, params: unknown[]) =>
      (await runSql(this.manager, sql, params)).affected ?? 0;
    const autopilotsPaused = await count(
      `UPDATE autopilot SET status = 'paused', updated_at = now()
       WHERE status = 'active' AND assignee_type = 'agent' AND assignee_id = ANY($1::uuid[])`,
      [archivedAgentIds],
    );
    const squadsDeleted = await count(
      `DELETE FROM squad WHERE archived_at IS NOT NULL AND leader_id = ANY($1::uuid[])`,
      [archivedAgentIds],
    );
    const agentsDeleted = await count(
      `DELETE FROM agent WHERE runtime_id = ANY($1::uuid[]) AND archived_at IS NOT NULL`,
      [runtimeIds],
    );
    // A profile's rows go by profile_id, which also catches any row the id list missed.
    const runtimesDeleted = runtimeFilter
      ? await count(`DELETE FROM agent_runtime WHERE profile_id = $1 AND workspace_id = $2`, [
          runtimeFilter.profileId,
          runtimeFilter.workspaceId,
        ])
      : await count(`DELETE FROM agent_runtime WHERE id = ANY($1::uuid[])`, [runtimeIds]);
    return { autopilotsPaused, squadsDeleted, agentsDeleted, runtimesDeleted };
  }

  /** Deletes the profile row. */
  async deleteProfile(workspaceId: string, profileId: string): Promise<void> {
    await runSql(this.manager, `DELETE FROM runtime_profile WHERE id = $1 AND workspace_id = $2`, [
      profileId,
      workspaceId,
    ]);
  }
}
