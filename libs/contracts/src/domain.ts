/**
 * Closed sets stored as `text` + CHECK in Postgres. Each list is the CHECK's value list; entities
 * type their columns with these unions.
 */
export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
/** A member's role in a workspace. */
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const API_TOKEN_KINDS = ['pat', 'daemon'] as const;
/** `pat`: a personal access token (`mul_`); `daemon`: a daemon token bound to one workspace (`mdt_`). */
export type ApiTokenKind = (typeof API_TOKEN_KINDS)[number];

export const PROFILE_VISIBILITIES = ['workspace', 'private'] as const;
/** Who may see a runtime profile. */
export type ProfileVisibility = (typeof PROFILE_VISIBILITIES)[number];

export const RUNTIME_MODES = ['local', 'cloud'] as const;
/** Where a runtime (or an agent) runs. */
export type RuntimeMode = (typeof RUNTIME_MODES)[number];

export const RUNTIME_STATUSES = ['online', 'offline'] as const;
/** An `agent_runtime` row's status. */
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

export const RUNTIME_VISIBILITIES = ['private', 'public'] as const;
/** An `agent_runtime` row's visibility. */
export type RuntimeVisibility = (typeof RUNTIME_VISIBILITIES)[number];

export const AGENT_VISIBILITIES = ['workspace', 'private'] as const;
/** An agent's visibility. */
export type AgentVisibility = (typeof AGENT_VISIBILITIES)[number];

export const AGENT_STATUSES = ['idle', 'working', 'blocked', 'error', 'offline'] as const;
/** An agent's status. */
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const AUTOPILOT_STATUSES = ['active', 'paused', 'archived'] as const;
/** An autopilot's status. */
export type AutopilotStatus = (typeof AUTOPILOT_STATUSES)[number];

export const AUTOPILOT_ASSIGNEE_TYPES = ['agent', 'squad'] as const;
/** What an autopilot is assigned to. */
export type AutopilotAssigneeType = (typeof AUTOPILOT_ASSIGNEE_TYPES)[number];

export const SQUAD_MEMBER_TYPES = ['agent', 'member'] as const;
/** What a squad member row points at. */
export type SquadMemberType = (typeof SQUAD_MEMBER_TYPES)[number];

export const TASK_STATUSES = [
  'queued',
  'dispatched',
  'running',
  'completed',
  'failed',
  'cancelled',
] as const;
/** An `agent_task_queue` row's status. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Prefix of a personal access token. */
export const PAT_PREFIX = 'mul_';
/** Prefix of a daemon token. */
export const DAEMON_TOKEN_PREFIX = 'mdt_';
