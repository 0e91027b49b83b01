import { AppError, MESSAGES } from '@cp/contracts';
import type { EntityManager } from 'typeorm';
import { Agent, AgentTask, Autopilot, Squad, SquadMember } from '../entities';
import { isForeignKeyViolation, isUniqueViolation } from '../pg-errors';

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

/** Fields a new squad member takes. */
export type NewSquadMember = Pick<SquadMember, 'squadId' | 'memberType' | 'memberId'> &
  Partial<Pick<SquadMember, 'role'>>;

/** Fields a new autopilot takes. */
export type NewAutopilot = Pick<Autopilot, 'workspaceId' | 'title' | 'assigneeId' | 'createdById'> &
  Partial<Pick<Autopilot, 'assigneeType' | 'status' | 'createdByType' | 'description'>>;

/** Fields a new task row takes. */
export type NewTask = Pick<AgentTask, 'agentId' | 'runtimeId'> &
  Partial<Pick<AgentTask, 'status' | 'priority' | 'issueId'>>;

/**
 * How a lookup locks the row it finds. `key-share` (`FOR KEY SHARE`) keeps the row from being
 * deleted until the transaction ends, without blocking ordinary updates such as an archive; it
 * needs a transaction.
 */
export interface RowLockOptions {
  lock?: 'key-share';
}

const AGENT_NAME_KEY = 'agent_workspace_name_unique';
const AGENT_RUNTIME_FK = 'agent_runtime_id_fkey';
const SQUAD_LEADER_FK = 'squad_leader_id_fkey';

const lockOf = (opts: RowLockOptions) =>
  opts.lock === 'key-share' ? { lock: { mode: 'for_key_share' as const } } : {};

/** Agents and what hangs off them: squads, squad members, autopilots and queued tasks. */
export class AgentRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Inserts an agent (local by default).
   * @throws AppError `AGENT_NAME_TAKEN` when the workspace already has an agent of that name;
   * `RUNTIME_NOT_FOUND` when the runtime row is gone (deleted since it was read).
   */
  async create(input: NewAgent): Promise<Agent> {
    try {
      return await this.manager
        .getRepository(Agent)
        .save(this.manager.create(Agent, { runtimeMode: 'local', ...input }));
    } catch (err) {
      if (isUniqueViolation(err, AGENT_NAME_KEY)) {
        throw new AppError('AGENT_NAME_TAKEN', MESSAGES.agentNameTaken, { cause: err });
      }
      if (isForeignKeyViolation(err, AGENT_RUNTIME_FK)) {
        throw new AppError('RUNTIME_NOT_FOUND', MESSAGES.runtimeNotFound, { cause: err });
      }
      throw err;
    }
  }

  /** The agent with this id, or null. */
  async findById(agentId: string): Promise<Agent | null> {
    return this.manager.findOneBy(Agent, { id: agentId });
  }

  /** The agent with this id in this workspace, or null (another workspace's agent is null). */
  async findInWorkspace(
    workspaceId: string,
    agentId: string,
    opts: RowLockOptions = {},
  ): Promise<Agent | null> {
    return this.manager.findOne(Agent, { where: { id: agentId, workspaceId }, ...lockOf(opts) });
  }

  /**
   * Archives an active agent (`archived_at`, `archived_by`, `updated_at`); an archived one keeps
   * its first archive. Returns the agent as it now is, or null when it is not in this workspace.
   */
  async archive(workspaceId: string, agentId: string, archivedBy: string): Promise<Agent | null> {
    await this.manager
      .createQueryBuilder()
      .update(Agent)
      .set({ archivedAt: () => 'now()', archivedBy, updatedAt: () => 'now()' })
      .where('id = :agentId AND workspace_id = :workspaceId AND archived_at IS NULL', {
        agentId,
        workspaceId,
      })
      .execute();
    return this.findInWorkspace(workspaceId, agentId);
  }

  /**
   * Restores an archived agent (clears `archived_at` and `archived_by`); an active one is left
   * as it is. Returns the agent as it now is, or null when it is not in this workspace.
   */
  async restore(workspaceId: string, agentId: string): Promise<Agent | null> {
    await this.manager
      .createQueryBuilder()
      .update(Agent)
      .set({ archivedAt: null, archivedBy: null, updatedAt: () => 'now()' })
      .where('id = :agentId AND workspace_id = :workspaceId AND archived_at IS NOT NULL', {
        agentId,
        workspaceId,
      })
      .execute();
    return this.findInWorkspace(workspaceId, agentId);
  }

  /**
   * Inserts a squad led by `leaderId`.
   * @throws AppError `AGENT_NOT_FOUND` when the leader is gone (deleted since it was read).
   */
  async createSquad(input: NewSquad): Promise<Squad> {
    try {
      return await this.manager.getRepository(Squad).save(this.manager.create(Squad, input));
    } catch (err) {
      if (isForeignKeyViolation(err, SQUAD_LEADER_FK)) {
        throw new AppError('AGENT_NOT_FOUND', MESSAGES.agentNotFound, { cause: err });
      }
      throw err;
    }
  }

  /** The squad with this id in this workspace, or null (another workspace's squad is null). */
  async findSquadInWorkspace(
    workspaceId: string,
    squadId: string,
    opts: RowLockOptions = {},
  ): Promise<Squad | null> {
    return this.manager.findOne(Squad, { where: { id: squadId, workspaceId }, ...lockOf(opts) });
  }

  /**
   * Archives an active squad; an archived one keeps its first archive. Returns the squad as it
   * now is, or null when it is not in this workspace.
   */
  async archiveSquad(
    workspaceId: string,
    squadId: string,
    archivedBy: string,
  ): Promise<Squad | null> {
    await this.manager
      .createQueryBuilder()
      .update(Squad)
      .set({ archivedAt: () => 'now()', archivedBy, updatedAt: () => 'now()' })
      .where('id = :squadId AND workspace_id = :workspaceId AND archived_at IS NULL', {
        squadId,
        workspaceId,
      })
      .execute();
    return this.findSquadInWorkspace(workspaceId, squadId);
  }

  /** Adds an agent or a member to a squad. */
  async addSquadMember(input: NewSquadMember): Promise<SquadMember> {
    return this.manager.getRepository(SquadMember).save(this.manager.create(SquadMember, input));
  }

  /** A squad's members, oldest first. */
  async listSquadMembers(squadId: string): Promise<SquadMember[]> {
    return this.manager.find(SquadMember, {
      where: { squadId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
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

  /** The autopilot with this id in this workspace, or null. */
  async findAutopilotInWorkspace(
    workspaceId: string,
    autopilotId: string,
  ): Promise<Autopilot | null> {
    return this.manager.findOneBy(Autopilot, { id: autopilotId, workspaceId });
  }

  /** Queues a task for an agent on a runtime. */
  async createTask(input: NewTask): Promise<AgentTask> {
    return this.manager.getRepository(AgentTask).save(this.manager.create(AgentTask, input));
  }
}
