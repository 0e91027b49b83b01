import type { MemberRole } from '@cp/contracts';
import type { EntityManager } from 'typeorm';
import { Member } from '../entities';

/** Workspace memberships. */
export class MemberRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Adds a user to a workspace with a role, or changes the role of an existing membership.
   * Returns the membership.
   */
  async upsert(workspaceId: string, userId: string, role: MemberRole): Promise<Member> {
    await this.manager
      .createQueryBuilder()
      .insert()
      .into(Member)
      .values({ workspaceId, userId, role })
      .orUpdate(['role'], ['workspace_id', 'user_id'])
      .execute();
    return this.manager.findOneByOrFail(Member, { workspaceId, userId });
  }

  /** The user's role in the workspace, or undefined when the user is not a member. */
  async findRole(workspaceId: string, userId: string): Promise<MemberRole | undefined> {
    const member = await this.manager.findOne(Member, {
      select: { role: true },
      where: { workspaceId, userId },
    });
    return member?.role;
  }
}
