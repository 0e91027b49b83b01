import {
  type AgentVisibility,
  AppError,
  type AutopilotAssigneeType,
  MESSAGES,
} from '@cp/contracts';
import type { Agent, Autopilot, Db, Squad } from '@cp/db';

/** A validated request to create an agent on a runtime of the workspace. */
export interface CreateAgentInput {
  workspaceId: string;
  ownerId: string;
  name: string;
  description: string;
  runtimeId: string;
  visibility: AgentVisibility;
}

/** A validated request to create a squad led by an agent of the workspace. */
export interface CreateSquadInput {
  workspaceId: string;
  creatorId: string;
  name: string;
  description: string;
  leaderId: string;
}

/** A validated request to create an autopilot assigned to an agent or a squad of the workspace. */
export interface CreateAutopilotInput {
  workspaceId: string;
  createdById: string;
  title: string;
  description: string | null;
  assigneeType: AutopilotAssigneeType;
  assigneeId: string;
}

const agentNotFound = () => new AppError('AGENT_NOT_FOUND', MESSAGES.agentNotFound);
const squadNotFound = () => new AppError('SQUAD_NOT_FOUND', MESSAGES.squadNotFound);

/**
 * Agents, squads and autopilots: what the cascade tears down, created and archived through the
 * API. Every lookup is scoped to the workspace, so another workspace's rows are 404s.
 */
export class AgentService {
  constructor(private readonly db: Db) {}

  /**
   * Creates an agent on a runtime of the workspace, with the runtime's `runtime_mode`.
   * @throws AppError `RUNTIME_NOT_FOUND` (not in this workspace, or deleted meanwhile),
   *   `AGENT_NAME_TAKEN`.
   */
  async createAgent(input: CreateAgentInput): Promise<Agent> {
    const runtime = await this.db.runtimes.findInWorkspace(input.workspaceId, input.runtimeId);
    if (!runtime) {
      throw new AppError('RUNTIME_NOT_FOUND', MESSAGES.runtimeNotFound);
    }
    return this.db.agents.create({
      workspaceId: input.workspaceId,
      name: input.name,
      description: input.description,
      runtimeId: runtime.id,
      runtimeMode: runtime.runtimeMode,
      visibility: input.visibility,
      ownerId: input.ownerId,
    });
  }

  /**
   * Archives an agent; archiving an archived agent keeps its first archive.
   * @throws AppError `AGENT_NOT_FOUND`.
   */
  async archiveAgent(workspaceId: string, agentId: string, actorUserId: string): Promise<Agent> {
    const agent = await this.db.agents.archive(workspaceId, agentId, actorUserId);
    if (!agent) {
      throw agentNotFound();
    }
    return agent;
  }

  /**
   * Restores an archived agent; restoring an active agent changes nothing.
   * @throws AppError `AGENT_NOT_FOUND`.
   */
  async restoreAgent(workspaceId: string, agentId: string): Promise<Agent> {
    const agent = await this.db.agents.restore(workspaceId, agentId);
    if (!agent) {
      throw agentNotFound();
    }
    return agent;
  }

  /**
   * Creates a squad led by an agent of the workspace (archived or not) and adds the leader as
   * its first member, in one transaction.
   * @throws AppError `AGENT_NOT_FOUND` (not in this workspace, or deleted meanwhile).
   */
  async createSquad(input: CreateSquadInput): Promise<Squad> {
    return this.db.transaction(async (tx) => {
      const leader = await tx.agents.findInWorkspace(input.workspaceId, input.leaderId, {
        lock: 'key-share',
      });
      if (!leader) {
        throw agentNotFound();
      }
      const squad = await tx.agents.createSquad({
        workspaceId: input.workspaceId,
        name: input.name,
        description: input.description,
        leaderId: leader.id,
        creatorId: input.creatorId,
      });
      await tx.agents.addSquadMember({
        squadId: squad.id,
        memberType: 'agent',
        memberId: leader.id,
        role: 'leader',
      });
      return squad;
    });
  }

  /**
   * Archives a squad; archiving an archived squad keeps its first archive.
   * @throws AppError `SQUAD_NOT_FOUND`.
   */
  async archiveSquad(workspaceId: string, squadId: string, actorUserId: string): Promise<Squad> {
    const squad = await this.db.agents.archiveSquad(workspaceId, squadId, actorUserId);
    if (!squad) {
      throw squadNotFound();
    }
    return squad;
  }

  /**
   * Creates an autopilot assigned to an agent or a squad of the workspace, created by a member.
   * `assignee_id` has no foreign key (spec §1.5), so the assignee row is held `FOR KEY SHARE`
   * until the insert commits: a cascade deleting it waits, then sees (and pauses) the autopilot.
   * @throws AppError `AGENT_NOT_FOUND` or `SQUAD_NOT_FOUND`.
   */
  async createAutopilot(input: CreateAutopilotInput): Promise<Autopilot> {
    return this.db.transaction(async (tx) => {
      const { workspaceId, assigneeId } = input;
      if (input.assigneeType === 'agent') {
        if (!(await tx.agents.findInWorkspace(workspaceId, assigneeId, { lock: 'key-share' }))) {
          throw agentNotFound();
        }
      } else if (
        !(await tx.agents.findSquadInWorkspace(workspaceId, assigneeId, { lock: 'key-share' }))
      ) {
        throw squadNotFound();
      }
      return tx.agents.createAutopilot({
        workspaceId,
        title: input.title,
        description: input.description,
        assigneeType: input.assigneeType,
        assigneeId,
        createdByType: 'member',
        createdById: input.createdById,
      });
    });
  }
}
