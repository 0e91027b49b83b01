import type { EntityManager } from 'typeorm';
import { AgentRuntime } from '../entities';

/** Fields of a runtime row written directly (fixtures, cloud runtimes). */
export type NewRuntime = Pick<AgentRuntime, 'workspaceId' | 'name' | 'runtimeMode' | 'provider'> &
  Partial<
    Pick<
      AgentRuntime,
      | 'daemonId'
      | 'status'
      | 'deviceInfo'
      | 'metadata'
      | 'lastSeenAt'
      | 'ownerId'
      | 'legacyDaemonId'
      | 'visibility'
      | 'profileId'
    >
  >;

/** `agent_runtime` rows, built-in and custom. */
export class RuntimeRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts one row as given (the registration path upserts in bulk instead). */
  async create(input: NewRuntime): Promise<AgentRuntime> {
    return this.manager.getRepository(AgentRuntime).save(this.manager.create(AgentRuntime, input));
  }

  /** The row with this id, or null. */
  async findById(runtimeId: string): Promise<AgentRuntime | null> {
    return this.manager.findOneBy(AgentRuntime, { id: runtimeId });
  }

  /** The row with this id in this workspace, or null (another workspace's row is null). */
  async findInWorkspace(workspaceId: string, runtimeId: string): Promise<AgentRuntime | null> {
    return this.manager.findOneBy(AgentRuntime, { id: runtimeId, workspaceId });
  }

  /** The workspace's runtimes, oldest first; only one owner's when `ownerId` is given. */
  async listInWorkspace(
    workspaceId: string,
    opts: { ownerId?: string } = {},
  ): Promise<AgentRuntime[]> {
    return this.manager.find(AgentRuntime, {
      where: { workspaceId, ...(opts.ownerId ? { ownerId: opts.ownerId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
