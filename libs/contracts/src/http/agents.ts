import { z } from 'zod';
import { AGENT_STATUSES, AGENT_VISIBILITIES, RUNTIME_MODES } from '../domain';
import { Timestamp, toTimestamp } from './common';

/** An agent on the wire (the columns this system keeps of upstream's agent object). */
export const AgentJson = z.object({
  id: z.uuid(),
  workspace_id: z.uuid(),
  name: z.string(),
  description: z.string(),
  runtime_mode: z.enum(RUNTIME_MODES),
  runtime_id: z.uuid(),
  visibility: z.enum(AGENT_VISIBILITIES),
  status: z.enum(AGENT_STATUSES),
  owner_id: z.uuid().nullable(),
  custom_args: z.array(z.unknown()),
  archived_at: Timestamp.nullable(),
  archived_by: z.uuid().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AgentJson = z.infer<typeof AgentJson>;

/** The fields of an agent row the wire shows (the `agent` entity satisfies it). */
export interface AgentRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  runtimeMode: AgentJson['runtime_mode'];
  runtimeId: string;
  visibility: AgentJson['visibility'];
  status: AgentJson['status'];
  ownerId: string | null;
  customArgs: unknown[];
  archivedAt: Date | null;
  archivedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The wire form of an agent. */
export function toAgentJson(agent: AgentRecord): AgentJson {
  return {
    id: agent.id,
    workspace_id: agent.workspaceId,
    name: agent.name,
    description: agent.description,
    runtime_mode: agent.runtimeMode,
    runtime_id: agent.runtimeId,
    visibility: agent.visibility,
    status: agent.status,
    owner_id: agent.ownerId,
    custom_args: Array.isArray(agent.customArgs) ? agent.customArgs : [],
    archived_at: agent.archivedAt ? toTimestamp(agent.archivedAt) : null,
    archived_by: agent.archivedBy,
    created_at: toTimestamp(agent.createdAt),
    updated_at: toTimestamp(agent.updatedAt),
  };
}
