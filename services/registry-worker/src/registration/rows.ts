import { createHash } from 'node:crypto';
import type {
  FailedProfilePayload,
  RegisterEntryPayload,
  RuntimeRegisterPayload,
} from '@cp/contracts';
import type { LockedProfile, RuntimeUpsert } from '@cp/db';

/**
 * The row an entry becomes (spec §4.2): provider from `type` (or `unknown`), or from the
 * profile's family for a custom entry; name defaults to the sent provider, with the device name;
 * `device_info` is `device · version`; status is `offline` only when the daemon says exactly
 * that; metadata records the versions and launcher.
 */
export function toUpsert(
  payload: RuntimeRegisterPayload,
  entry: RegisterEntryPayload,
  profileFamily: string | null,
): RuntimeUpsert {
  const sentProvider = entry.type.trim() || 'unknown';
  const device = payload.deviceName;
  const version = entry.version;
  const name = entry.name.trim() || (device ? `${sentProvider} (${device})` : sentProvider);
  return {
    workspaceId: payload.workspaceId,
    daemonId: payload.daemonId,
    name,
    provider: profileFamily ?? sentProvider,
    status: entry.status === 'offline' ? 'offline' : 'online',
    deviceInfo: device && version ? `${device} · ${version}` : version || device,
    metadata: { version, cli_version: payload.cliVersion, launched_by: payload.launchedBy },
    ownerId: payload.ownerId,
    profileId: entry.profileId,
  };
}

/**
 * The offline row a failed profile becomes (upstream HEAD, spec §8.5): the profile's name with
 * the device name, its family, the device as `device_info`, and metadata that says why it
 * cannot run (`runtime_profile_registration_error`, `runtime_profile_failure_reason`, and the
 * `command_name` the daemon tried, or the profile's own when it sent none).
 */
export function toFailedUpsert(
  payload: RuntimeRegisterPayload,
  failed: FailedProfilePayload,
  profile: Pick<LockedProfile, 'displayName' | 'commandName' | 'protocolFamily'>,
): RuntimeUpsert {
  const device = payload.deviceName;
  return {
    workspaceId: payload.workspaceId,
    daemonId: payload.daemonId,
    name: device ? `${profile.displayName} (${device})` : profile.displayName,
    provider: profile.protocolFamily,
    status: 'offline',
    deviceInfo: device,
    metadata: {
      version: '',
      cli_version: payload.cliVersion,
      launched_by: payload.launchedBy,
      runtime_profile_registration_error: true,
      runtime_profile_failure_reason: failed.reason,
      command_name: failed.commandName || profile.commandName,
    },
    ownerId: payload.ownerId,
    profileId: failed.profileId,
  };
}

/** The fields of a row that decide which `agent_runtime` row it lands on. */
export type RowKey = Pick<RuntimeUpsert, 'workspaceId' | 'provider' | 'profileId'> & {
  daemonId: string | null;
};

/** The conflict key of a row: built-in rows by provider, custom rows by profile. */
export function conflictKey(row: RowKey): string {
  return row.profileId === null
    ? `b\u0000${row.workspaceId}\u0000${row.daemonId ?? ''}\u0000${row.provider}`
    : `c\u0000${row.workspaceId}\u0000${row.daemonId ?? ''}\u0000${row.profileId}`;
}

/**
 * One row per conflict key (the last one submitted wins, as sequential upserts would, and a
 * null owner keeps an earlier one, as the upsert's COALESCE would), sorted by key so every
 * batch locks rows in the same order and concurrent batches cannot deadlock.
 */
export function mergeAndSort(rows: RuntimeUpsert[]): RuntimeUpsert[] {
  const byKey = new Map<string, RuntimeUpsert>();
  for (const row of rows) {
    const key = conflictKey(row);
    const earlier = byKey.get(key);
    byKey.set(key, earlier && row.ownerId === null ? { ...row, ownerId: earlier.ownerId } : row);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => row);
}

/** A workspace repository in the register response. */
export interface Repo {
  url: string;
  description: string;
}

/**
 * The workspace's repos as the register response lists them (spec §3.9): URLs trimmed, empty
 * and duplicate URLs dropped; and their version, the SHA-256 of the sorted URLs joined by `\n`.
 */
export function reposOf(stored: unknown): { repos: Repo[]; reposVersion: string } {
  const seen = new Set<string>();
  const repos: Repo[] = [];
  for (const item of Array.isArray(stored) ? (stored as unknown[]) : []) {
    const record = (item ?? {}) as { url?: unknown; description?: unknown };
    const url = typeof record.url === 'string' ? record.url.trim() : '';
    if (url === '' || seen.has(url)) {
      continue;
    }
    seen.add(url);
    repos.push({
      url,
      description: typeof record.description === 'string' ? record.description : '',
    });
  }
  const reposVersion = createHash('sha256')
    .update([...seen].sort().join('\n'))
    .digest('hex');
  return { repos, reposVersion };
}
