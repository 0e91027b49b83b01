import type { ProtocolFamily } from '@cp/contracts';
import type { EntityManager } from 'typeorm';
import type { AgentRuntime } from '../entities';
import { sqlRows } from '../sql';

/** A profile as a registration needs it, read under `FOR KEY SHARE`. */
export interface LockedProfile {
  id: string;
  workspaceId: string;
  /** Name and command of a failed profile's offline row. */
  displayName: string;
  commandName: string;
  protocolFamily: ProtocolFamily;
  enabled: boolean;
  deletionRequested: boolean;
}

/** What a registration response carries from its workspace. */
export interface WorkspaceContext {
  id: string;
  repos: unknown;
  settings: unknown;
}

/** One row to upsert. `profileId` null: a built-in row (key: workspace, daemon, provider). */
export interface RuntimeUpsert {
  workspaceId: string;
  daemonId: string;
  name: string;
  provider: string;
  status: 'online' | 'offline';
  deviceInfo: string;
  metadata: Record<string, unknown>;
  ownerId: string | null;
  profileId: string | null;
}

/** A built-in row just upserted and the legacy daemon ids to fold into it, in request order. */
export interface LegacyMerge {
  runtimeId: string;
  workspaceId: string;
  provider: string;
  legacyDaemonIds: string[];
}

interface RuntimeRow {
  id: string;
  workspace_id: string;
  daemon_id: string | null;
  name: string;
  runtime_mode: AgentRuntime['runtimeMode'];
  provider: string;
  status: AgentRuntime['status'];
  device_info: string;
  metadata: Record<string, unknown>;
  last_seen_at: Date | null;
  created_at: Date;
  updated_at: Date;
  owner_id: string | null;
  legacy_daemon_id: string | null;
  visibility: AgentRuntime['visibility'];
  profile_id: string | null;
}

function toRuntime(row: RuntimeRow): AgentRuntime {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    daemonId: row.daemon_id,
    name: row.name,
    runtimeMode: row.runtime_mode,
    provider: row.provider,
    status: row.status,
    deviceInfo: row.device_info,
    metadata: row.metadata,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ownerId: row.owner_id,
    legacyDaemonId: row.legacy_daemon_id,
    visibility: row.visibility,
    profileId: row.profile_id,
  };
}

// Columns set on conflict: everything a daemon reports; `owner_id` only when the caller is a
// user; never `visibility` or `legacy_daemon_id`. Custom rows also refresh `provider` from
// their profile. (Spec §4.3, §4.4.)
const ON_CONFLICT_SET = `
  name = EXCLUDED.name, runtime_mode = EXCLUDED.runtime_mode, status = EXCLUDED.status,
  device_info = EXCLUDED.device_info, metadata = EXCLUDED.metadata,
  owner_id = COALESCE(EXCLUDED.owner_id, agent_runtime.owner_id),
  last_seen_at = now(), updated_at = now()`;

/**
 * The set-based SQL of registration: profile locks, multi-row upserts against the two partial
 * keys, and the legacy hostname merge. Callers run it inside one transaction.
 */
export class RegistrationRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Reads these profiles with `FOR KEY SHARE`, in id order: a concurrent deletion (which takes
   * `FOR UPDATE`) waits for this transaction, so no runtime row can outlive its profile.
   */
  async lockProfiles(profileIds: string[]): Promise<LockedProfile[]> {
    if (profileIds.length === 0) {
      return [];
    }
    const rows = await sqlRows<{
      id: string;
      workspace_id: string;
      display_name: string;
      command_name: string;
      protocol_family: ProtocolFamily;
      enabled: boolean;
      deletion_requested: boolean;
    }>(
      this.manager,
      `SELECT id, workspace_id, display_name, command_name, protocol_family, enabled,
              deletion_requested_at IS NOT NULL AS deletion_requested
       FROM runtime_profile WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE`,
      [profileIds],
    );
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      displayName: r.display_name,
      commandName: r.command_name,
      protocolFamily: r.protocol_family,
      enabled: r.enabled,
      deletionRequested: r.deletion_requested,
    }));
  }

  /** The workspaces' repos and settings (missing workspaces are absent from the result). */
  async workspaceContexts(workspaceIds: string[]): Promise<WorkspaceContext[]> {
    return sqlRows<WorkspaceContext>(
      this.manager,
      `SELECT id, repos, settings FROM workspace WHERE id = ANY($1::uuid[])`,
      [workspaceIds],
    );
  }

  /**
   * Upserts built-in rows (`profile_id` NULL) in one statement. Keys must be unique within the
   * call and the rows sorted by key, so concurrent batches lock rows in the same order.
   */
  async upsertBuiltIn(rows: RuntimeUpsert[]): Promise<AgentRuntime[]> {
    if (rows.length === 0) {
      return [];
    }
    const result = await sqlRows<RuntimeRow>(
      this.manager,
      `INSERT INTO agent_runtime (workspace_id, daemon_id, name, runtime_mode, provider, status,
                                  device_info, metadata, owner_id, last_seen_at)
       SELECT r.workspace_id, r.daemon_id, r.name, 'local', r.provider, r.status,
              r.device_info, r.metadata, r.owner_id, now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::jsonb[], $8::uuid[])
            AS r(workspace_id, daemon_id, name, provider, status, device_info, metadata, owner_id)
       ON CONFLICT (workspace_id, daemon_id, provider) WHERE profile_id IS NULL
       DO UPDATE SET ${ON_CONFLICT_SET}
       RETURNING *`,
      [...columns(rows)],
    );
    return result.map(toRuntime);
  }

  /** Upserts profile instances (`profile_id` set) in one statement; same rules as above. */
  async upsertCustom(rows: RuntimeUpsert[]): Promise<AgentRuntime[]> {
    if (rows.length === 0) {
      return [];
    }
    const result = await sqlRows<RuntimeRow>(
      this.manager,
      `INSERT INTO agent_runtime (workspace_id, daemon_id, name, runtime_mode, provider, status,
                                  device_info, metadata, owner_id, profile_id, last_seen_at)
       SELECT r.workspace_id, r.daemon_id, r.name, 'local', r.provider, r.status,
              r.device_info, r.metadata, r.owner_id, r.profile_id, now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::jsonb[], $8::uuid[], $9::uuid[])
            AS r(workspace_id, daemon_id, name, provider, status, device_info, metadata, owner_id,
                 profile_id)
       ON CONFLICT (workspace_id, daemon_id, profile_id) WHERE profile_id IS NOT NULL
       DO UPDATE SET provider = EXCLUDED.provider, ${ON_CONFLICT_SET}
       RETURNING *`,
      [...columns(rows), rows.map((r) => r.profileId)],
    );
    return result.map(toRuntime);
  }

  /**
   * The legacy hostname merge (spec §4.5, built-in rows only, hardened with
   * `profile_id IS NULL`): rows of the same workspace and provider whose daemon id matches a
   * legacy id case-insensitively are folded into the new row. Their agents and tasks move
   * first (the task FK cascades), the new row records the first legacy id it absorbed, then
   * the old rows go. `excludeIds` (every row upserted in this batch) are never folded.
   * Returns the number of rows merged away.
   */
  async mergeLegacy(merges: LegacyMerge[], excludeIds: string[]): Promise<number> {
    const flat = merges.flatMap((m) =>
      m.legacyDaemonIds.map((legacyId, ord) => ({ ...m, legacyId, ord })),
    );
    if (flat.length === 0) {
      return 0;
    }
    const pairs = await sqlRows<{ old_id: string; new_id: string; legacy_id: string; ord: number }>(
      this.manager,
      `SELECT DISTINCT ON (old.id) old.id AS old_id, m.new_id, m.legacy_id, m.ord
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[])
            AS m(new_id, workspace_id, provider, legacy_id, ord)
       JOIN agent_runtime old
         ON old.workspace_id = m.workspace_id AND old.provider = m.provider
        AND lower(old.daemon_id) = lower(m.legacy_id) AND old.profile_id IS NULL
       WHERE old.id <> ALL($6::uuid[])
       ORDER BY old.id, m.new_id, m.ord`,
      [
        flat.map((f) => f.runtimeId),
        flat.map((f) => f.workspaceId),
        flat.map((f) => f.provider),
        flat.map((f) => f.legacyId),
        flat.map((f) => f.ord),
        excludeIds,
      ],
    );
    if (pairs.length === 0) {
      return 0;
    }
    const oldIds = pairs.map((p) => p.old_id);
    const newIds = pairs.map((p) => p.new_id);
    const legacyIds = pairs.map((p) => p.legacy_id);
    const ords = pairs.map((p) => p.ord);
    await sqlRows(
      this.manager,
      `UPDATE agent a SET runtime_id = p.new_id
       FROM unnest($1::uuid[], $2::uuid[]) AS p(old_id, new_id) WHERE a.runtime_id = p.old_id`,
      [oldIds, newIds],
    );
    await sqlRows(
      this.manager,
      `UPDATE agent_task_queue t SET runtime_id = p.new_id
       FROM unnest($1::uuid[], $2::uuid[]) AS p(old_id, new_id) WHERE t.runtime_id = p.old_id`,
      [oldIds, newIds],
    );
    await sqlRows(
      this.manager,
      `UPDATE agent_runtime r SET legacy_daemon_id = COALESCE(r.legacy_daemon_id, p.legacy_id)
       FROM (SELECT DISTINCT ON (new_id) new_id, legacy_id
             FROM unnest($1::uuid[], $2::text[], $3::int[]) AS p(new_id, legacy_id, ord)
             ORDER BY new_id, ord) p
       WHERE r.id = p.new_id`,
      [newIds, legacyIds, ords],
    );
    await sqlRows(this.manager, `DELETE FROM agent_runtime WHERE id = ANY($1::uuid[])`, [oldIds]);
    return pairs.length;
  }
}

function columns(rows: RuntimeUpsert[]): unknown[][] {
  return [
    rows.map((r) => r.workspaceId),
    rows.map((r) => r.daemonId),
    rows.map((r) => r.name),
    rows.map((r) => r.provider),
    rows.map((r) => r.status),
    rows.map((r) => r.deviceInfo),
    rows.map((r) => JSON.stringify(r.metadata)),
    rows.map((r) => r.ownerId),
  ];
}
