import type { EntityManager } from 'typeorm';
import { Agent, AgentTask, Autopilot, Squad, SquadMember } from '../entities';

/** Fields a new agent takes. */
export type NewAgent = Pick<Agent, 'workspaceId' | 'name' | 'runtimeId'> &
  Partial<
    Pick<
      Agent,
      'runtimeMode' | 'ownerId' | 'visibility' | 'description' | 'archivedAt' | 'archivedBy'
    >
  >;

/** Fields a new squad takes. */
export type NewSquad = Pick<Squad, 'workspaceId' | 'name' | 'leaderId' | 'creatorId'> &
  Partial<Pick<Squad, 'description' | 'archivedAt' | 'archivedBy'>>;

/** Fields a new autopilot takes. */
export type NewAutopilot = Pick<Autopilot, 'workspaceId' | 'title' | 'assigneeId' | 'createdById'> &
  Partial<Pick<Autopilot, 'assigneeType' | 'status' | 'createdByType' | 'description'>>;

/** Fields a new task row takes. */
export type NewTask = Pick<AgentTask, 'agentId' | 'runtimeId'> &
  Partial<Pick<AgentTask, 'status' | 'priority' | 'issueId'>>;

/** Agents and what hangs off them: squads, squad members, autopilots and queued tasks. */
export class AgentRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts an agent (local by default). */
  async create(input: NewAgent): Promise<Agent> {
    return this.manager
      .getRepository(Agent)
      .save(this.manager.create(Agent, { runtimeMode: 'local', ...input }));
  }

  /** The agent with this id, or null. */
  async findById(agentId: string): Promise<Agent | null> {
    return this.manager.findOneBy(Agent, { id: agentId });
  }

  /** Inserts a squad led by `leaderId`. */
  async createSquad(input: NewSquad): Promise<Squad> {
    return this.manager.getRepository(Squad).save(this.manager.create(Squad, input));
  }

  /** Adds an agent or a member to a squad. */
  async addSquadMember(
    input: Pick<SquadMember, 'squadId' | 'memberType' | 'memberId'>,
  ): Promise<SquadMember> {
    return this.manager.getRepository(SquadMember).save(this.manager.create(SquadMember, input));
  }

  /** Inserts an autopilot (assigned to an agent, created by a member, by default). */
  async createAutopilot(input: NewAutopilot): Promise<Autopilot> {
    return this.manager.getRepository(Autopilot).save(
      this.manager.create(Autopilot, {
        assigneeType: 'agent',
        createdByType: 'member',
        ...input,
      }),
    );
  }

  /** Queues a task for an agent on a runtime. */
  async createTask(input: NewTask): Promise<AgentTask> {
    return this.manager.getRepository(AgentTask).save(this.manager.create(AgentTask, input));
  }
}
