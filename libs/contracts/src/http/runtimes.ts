import { z } from 'zod';
import { RUNTIME_MODES, RUNTIME_STATUSES, RUNTIME_VISIBILITIES } from '../domain';
import type { ProtocolFamily } from '../protocol-families';
import { AgentJson } from './agents';
import { Timestamp, toTimestamp } from './common';

/**
 * What each protocol family launches, shown to users as `launch_header` (upstream's table).
 * A custom runtime shows its family's header, not its own command.
 */
export const LAUNCH_HEADERS: Record<ProtocolFamily, string> = {
  antigravity: 'agy -p (print mode)',
  claude: 'claude (stream-json)',
  codebuddy: 'codebuddy (stream-json)',
  codex: 'codex app-server',
  copilot: 'copilot (json)',
  cursor: 'cursor-agent (stream-json)',
  gemini: 'gemini (stream-json)',
  hermes: 'hermes acp',
  kimi: 'kimi acp',
  kiro: 'kiro-cli acp',
  openclaw: 'openclaw agent (json)',
  opencode: 'opencode run (json)',
  pi: 'pi (json mode)',
};

/** The launch header of a provider; empty for a provider that is not a known family. */
export function launchHeaderOf(provider: string): string {
  return (LAUNCH_HEADERS as Record<string, string | undefined>)[provider] ?? '';
}

/** An `agent_runtime` row on the wire (spec §3.9), with `profile_id`. */
export const AgentRuntimeJson = z.object({
  id: z.uuid(),
  workspace_id: z.uuid(),
  daemon_id: z.string().nullable(),
  name: z.string(),
  runtime_mode: z.enum(RUNTIME_MODES),
  provider: z.string(),
  launch_header: z.string(),
  status: z.enum(RUNTIME_STATUSES),
  device_info: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  owner_id: z.uuid().nullable(),
  visibility: z.enum(RUNTIME_VISIBILITIES),
  profile_id: z.uuid().nullable(),
  last_seen_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AgentRuntimeJson = z.infer<typeof AgentRuntimeJson>;

/** `GET /api/runtimes`: a bare array. */
export const AgentRuntimeList = z.array(AgentRuntimeJson);

/** `GET /api/runtimes` query: `workspace_id` (or the `X-Workspace-ID` header) and `owner=me`. */
export const RuntimeListQuery = z.object({
  owner: z.string().optional(),
});

/** `DELETE /api/runtimes/{runtimeId}` 200 (spec §5.2): upstream's body. */
export const RuntimeDeleteResponse = z.object({ status: z.literal('ok') });
export type RuntimeDeleteResponse = z.infer<typeof RuntimeDeleteResponse>;

/**
 * `DELETE /api/runtimes/{runtimeId}` 409 when agents are still bound (spec §5.2): upstream's body,
 * whose lowercase `code` is the one code outside `ERROR_CODES`, with the blocking agents.
 */
export const RuntimeHasActiveAgentsResponse = z.object({
  error: z.string(),
  code: z.literal('runtime_has_active_agents'),
  request_id: z.string(),
  active_agents: z.array(AgentJson),
});
export type RuntimeHasActiveAgentsResponse = z.infer<typeof RuntimeHasActiveAgentsResponse>;

/** The fields of a runtime row the wire shows (the `agent_runtime` entity satisfies it). */
export interface AgentRuntimeRecord {
  id: string;
  workspaceId: string;
  daemonId: string | null;
  name: string;
  runtimeMode: AgentRuntimeJson['runtime_mode'];
  provider: string;
  status: AgentRuntimeJson['status'];
  deviceInfo: string;
  metadata: unknown;
  ownerId: string | null;
  visibility: AgentRuntimeJson['visibility'];
  profileId: string | null;
  lastSeenAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The wire form of a runtime row (spec §3.9); non-object metadata reads as `{}`. */
export function toAgentRuntimeJson(runtime: AgentRuntimeRecord): AgentRuntimeJson {
  const { metadata } = runtime;
  return {
    id: runtime.id,
    workspace_id: runtime.workspaceId,
    daemon_id: runtime.daemonId,
    name: runtime.name,
    runtime_mode: runtime.runtimeMode,
    provider: runtime.provider,
    launch_header: launchHeaderOf(runtime.provider),
    status: runtime.status,
    device_info: runtime.deviceInfo,
    metadata:
      metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata)
        ? (metadata as Record<string, unknown>)
        : {},
    owner_id: runtime.ownerId,
    visibility: runtime.visibility,
    profile_id: runtime.profileId,
    last_seen_at: runtime.lastSeenAt ? toTimestamp(runtime.lastSeenAt) : null,
    created_at: toTimestamp(runtime.createdAt),
    updated_at: toTimestamp(runtime.updatedAt),
  };
}
