import { type AgentRuntimeJson, launchHeaderOf, toTimestamp } from '@cp/contracts';
import type { AgentRuntime } from '@cp/db';

/** The wire form of a runtime row (spec §3.9). */
export function toAgentRuntimeJson(runtime: AgentRuntime): AgentRuntimeJson {
  const metadata = runtime.metadata;
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
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {},
    owner_id: runtime.ownerId,
    visibility: runtime.visibility,
    profile_id: runtime.profileId,
    last_seen_at: runtime.lastSeenAt ? toTimestamp(runtime.lastSeenAt) : null,
    created_at: toTimestamp(runtime.createdAt),
    updated_at: toTimestamp(runtime.updatedAt),
  };
}
