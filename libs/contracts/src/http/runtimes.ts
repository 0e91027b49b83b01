import { z } from 'zod';
import { RUNTIME_MODES, RUNTIME_STATUSES, RUNTIME_VISIBILITIES } from '../domain';
import type { ProtocolFamily } from '../protocol-families';
import { Timestamp } from './common';

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
