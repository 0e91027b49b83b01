import type { CreateAgentBody, CreateAutopilotBody, CreateSquadBody } from '@cp/contracts';
import type { Membership } from '../http/locals';
import type {
  CreateAgentInput,
  CreateAutopilotInput,
  CreateSquadInput,
} from '../services/agent.service';

/** A validated agent body as service input: the caller owns the agent. */
export function fromCreateAgentBody(
  { workspaceId, userId }: Membership,
  body: CreateAgentBody,
): CreateAgentInput {
  return {
    workspaceId,
    ownerId: userId,
    name: body.name,
    description: body.description,
    runtimeId: body.runtime_id,
    visibility: body.visibility,
  };
}

/** A validated squad body as service input: the caller is its creator. */
export function fromCreateSquadBody(
  { workspaceId, userId }: Membership,
  body: CreateSquadBody,
): CreateSquadInput {
  return {
    workspaceId,
    creatorId: userId,
    name: body.name,
    description: body.description,
    leaderId: body.leader_id,
  };
}

/** A validated autopilot body as service input: created by the calling member. */
export function fromCreateAutopilotBody(
  { workspaceId, userId }: Membership,
  body: CreateAutopilotBody,
): CreateAutopilotInput {
  return {
    workspaceId,
    createdById: userId,
    title: body.title,
    description: body.description,
    assigneeType: body.assignee_type,
    assigneeId: body.assignee_id,
  };
}
