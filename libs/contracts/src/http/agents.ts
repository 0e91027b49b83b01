import { z } from 'zod';
import {
  AGENT_STATUSES,
  AGENT_VISIBILITIES,
  AUTOPILOT_ASSIGNEE_TYPES,
  AUTOPILOT_STATUSES,
  type AgentVisibility,
  type AutopilotAssigneeType,
  RUNTIME_MODES,
} from '../domain';
import { MESSAGES } from '../errors';
import { charLength, isUuid, Timestamp, toTimestamp } from './common';

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

/** A squad on the wire (spec §1.4; the columns this system keeps of upstream's squad object). */
export const SquadJson = z.object({
  id: z.uuid(),
  workspace_id: z.uuid(),
  name: z.string(),
  description: z.string(),
  leader_id: z.uuid(),
  creator_id: z.uuid(),
  archived_at: Timestamp.nullable(),
  archived_by: z.uuid().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type SquadJson = z.infer<typeof SquadJson>;

/** The fields of a squad row the wire shows (the `squad` entity satisfies it). */
export interface SquadRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  leaderId: string;
  creatorId: string;
  archivedAt: Date | null;
  archivedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The wire form of a squad. */
export function toSquadJson(squad: SquadRecord): SquadJson {
  return {
    id: squad.id,
    workspace_id: squad.workspaceId,
    name: squad.name,
    description: squad.description,
    leader_id: squad.leaderId,
    creator_id: squad.creatorId,
    archived_at: squad.archivedAt ? toTimestamp(squad.archivedAt) : null,
    archived_by: squad.archivedBy,
    created_at: toTimestamp(squad.createdAt),
    updated_at: toTimestamp(squad.updatedAt),
  };
}

/** An autopilot on the wire (spec §1.5; the columns the cascade touches). */
export const AutopilotJson = z.object({
  id: z.uuid(),
  workspace_id: z.uuid(),
  title: z.string(),
  description: z.string().nullable(),
  assignee_type: z.enum(AUTOPILOT_ASSIGNEE_TYPES),
  assignee_id: z.uuid(),
  status: z.enum(AUTOPILOT_STATUSES),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AutopilotJson = z.infer<typeof AutopilotJson>;

/** The fields of an autopilot row the wire shows (the `autopilot` entity satisfies it). */
export interface AutopilotRecord {
  id: string;
  workspaceId: string;
  title: string;
  description: string | null;
  assigneeType: AutopilotJson['assignee_type'];
  assigneeId: string;
  status: AutopilotJson['status'];
  createdAt: Date;
  updatedAt: Date;
}

/** The wire form of an autopilot. */
export function toAutopilotJson(autopilot: AutopilotRecord): AutopilotJson {
  return {
    id: autopilot.id,
    workspace_id: autopilot.workspaceId,
    title: autopilot.title,
    description: autopilot.description,
    assignee_type: autopilot.assigneeType,
    assignee_id: autopilot.assigneeId,
    status: autopilot.status,
    created_at: toTimestamp(autopilot.createdAt),
    updated_at: toTimestamp(autopilot.updatedAt),
  };
}

/**
 * Length limits of the create bodies. The agent's description limit is upstream's (255 code
 * points); the others are ours, long enough for any real use and short enough to bound rows.
 */
export const AGENT_LIMITS = {
  agentName: 255,
  agentDescription: 255,
  squadName: 255,
  squadDescription: 2000,
  autopilotTitle: 255,
  autopilotDescription: 2000,
} as const;

// Decoding, as for the profile bodies: a wrong JSON type anywhere is upstream's decode failure,
// `invalid request body`; `null` for a string means absent, as Go's decoder treats it.
const decodeError = { error: MESSAGES.invalidRequestBody };
const absentIfNull = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
const optionalString = z.string(decodeError).nullish().transform(absentIfNull);

type IssueSink = (path: string, message: string) => void;

const sinkOf =
  (ctx: z.RefinementCtx): IssueSink =>
  (path, message) =>
    ctx.addIssue({ code: 'custom', path: [path], message });

/**
 * A required text field, trimmed: empty is `requiredMessage`; longer than `max` code points or
 * holding a NUL byte (which Postgres text cannot store) fails too.
 */
function requiredText(
  field: string,
  value: string | undefined,
  requiredMessage: string,
  max: number,
  fail: IssueSink,
): string {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') {
    fail(field, requiredMessage);
  } else {
    checkText(field, trimmed, max, fail);
  }
  return trimmed;
}

/** Length and NUL checks of a free-text field, stored as given. */
function checkText(field: string, value: string | undefined, max: number, fail: IssueSink): void {
  if (value === undefined) {
    return;
  }
  if (value.includes('\0')) {
    fail(field, MESSAGES.nulBytes(field));
  } else if (charLength(value) > max) {
    fail(field, MESSAGES.tooLong(field, max));
  }
}

/**
 * A required UUID field, parsed strictly as upstream parses ids (no trimming): absent or empty is
 * `requiredMessage`, anything but a canonical UUID `invalidMessage`. Lower-cased.
 */
function requiredUuid(
  field: string,
  value: string | undefined,
  requiredMessage: string,
  invalidMessage: string,
  fail: IssueSink,
): string {
  const raw = value ?? '';
  if (raw === '') {
    fail(field, requiredMessage);
  } else if (!isUuid(raw)) {
    fail(field, invalidMessage);
  }
  return raw.toLowerCase();
}

/** One of `allowed` (trimmed), `fallback` when absent or blank, else `message`. */
function oneOf<T extends string>(
  field: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  message: string,
  fail: IssueSink,
): T {
  const trimmed = (value ?? '').trim() || fallback;
  if ((allowed as readonly string[]).includes(trimmed)) {
    return trimmed as T;
  }
  fail(field, message);
  return fallback;
}

/** A validated `POST /api/workspaces/{id}/agents` body. */
export interface CreateAgentBody {
  name: string;
  description: string;
  runtime_id: string;
  visibility: AgentVisibility;
}

/**
 * `POST /api/workspaces/{id}/agents`: `name` (trimmed, required), `runtime_id` (required, a
 * UUID), `description` (at most 255 code points), `visibility` (`workspace` or `private`,
 * default `private`). The first failure is the error sentence; every one is in `details`.
 */
export const CreateAgentBody = z
  .object(
    {
      name: optionalString,
      description: optionalString,
      runtime_id: optionalString,
      visibility: optionalString,
    },
    decodeError,
  )
  .transform((body, ctx): CreateAgentBody => {
    const fail = sinkOf(ctx);
    const name = requiredText(
      'name',
      body.name,
      MESSAGES.nameRequired,
      AGENT_LIMITS.agentName,
      fail,
    );
    checkText('description', body.description, AGENT_LIMITS.agentDescription, fail);
    const runtimeId = requiredUuid(
      'runtime_id',
      body.runtime_id,
      MESSAGES.runtimeIdRequired,
      MESSAGES.invalidRuntimeId,
      fail,
    );
    const visibility = oneOf(
      'visibility',
      body.visibility,
      AGENT_VISIBILITIES,
      'private',
      MESSAGES.visibilityInvalid,
      fail,
    );
    return { name, description: body.description ?? '', runtime_id: runtimeId, visibility };
  });

/** A validated `POST /api/workspaces/{id}/squads` body. */
export interface CreateSquadBody {
  name: string;
  description: string;
  leader_id: string;
}

/**
 * `POST /api/workspaces/{id}/squads`: `name` (trimmed, required), `leader_id` (required, a
 * UUID), `description` (optional).
 */
export const CreateSquadBody = z
  .object(
    { name: optionalString, description: optionalString, leader_id: optionalString },
    decodeError,
  )
  .transform((body, ctx): CreateSquadBody => {
    const fail = sinkOf(ctx);
    const name = requiredText(
      'name',
      body.name,
      MESSAGES.nameRequired,
      AGENT_LIMITS.squadName,
      fail,
    );
    const leaderId = requiredUuid(
      'leader_id',
      body.leader_id,
      MESSAGES.leaderIdRequired,
      MESSAGES.invalidLeaderId,
      fail,
    );
    checkText('description', body.description, AGENT_LIMITS.squadDescription, fail);
    return { name, description: body.description ?? '', leader_id: leaderId };
  });

/** A validated `POST /api/workspaces/{id}/autopilots` body. */
export interface CreateAutopilotBody {
  title: string;
  description: string | null;
  assignee_type: AutopilotAssigneeType;
  assignee_id: string;
}

/**
 * `POST /api/workspaces/{id}/autopilots`: `title` (trimmed, required), `assignee_type`
 * (`agent` or `squad`, default `agent`), `assignee_id` (required, a UUID), `description`
 * (optional).
 */
export const CreateAutopilotBody = z
  .object(
    {
      title: optionalString,
      description: optionalString,
      assignee_type: optionalString,
      assignee_id: optionalString,
    },
    decodeError,
  )
  .transform((body, ctx): CreateAutopilotBody => {
    const fail = sinkOf(ctx);
    const title = requiredText(
      'title',
      body.title,
      MESSAGES.titleRequired,
      AGENT_LIMITS.autopilotTitle,
      fail,
    );
    const assigneeType = oneOf(
      'assignee_type',
      body.assignee_type,
      AUTOPILOT_ASSIGNEE_TYPES,
      'agent',
      MESSAGES.assigneeTypeInvalid,
      fail,
    );
    const assigneeId = requiredUuid(
      'assignee_id',
      body.assignee_id,
      MESSAGES.assigneeIdRequired,
      MESSAGES.invalidAssigneeId,
      fail,
    );
    checkText('description', body.description, AGENT_LIMITS.autopilotDescription, fail);
    return {
      title,
      description: body.description ?? null,
      assignee_type: assigneeType,
      assignee_id: assigneeId,
    };
  });
