import { AppError, MESSAGES, type ProfileVisibility, type ProtocolFamily } from '@cp/contracts';
import type { EntityManager } from 'typeorm';
import { RuntimeProfile } from '../entities';
import { isUniqueViolation } from '../pg-errors';

/** A validated new profile. */
export interface NewRuntimeProfile {
  workspaceId: string;
  displayName: string;
  protocolFamily: ProtocolFamily;
  commandName: string;
  description?: string | null;
  fixedArgs?: string[];
  visibility?: ProfileVisibility;
  enabled?: boolean;
  createdBy: string | null;
}

/** Columns an update may change; absent ones stay as they are. */
export type RuntimeProfilePatch = Partial<
  Pick<RuntimeProfile, 'displayName' | 'commandName' | 'description' | 'visibility' | 'enabled'>
> & { fixedArgs?: string[] };

const DISPLAY_NAME_KEY = 'runtime_profile_workspace_id_display_name_key';

/** Runtime profiles, always scoped by workspace. */
export class RuntimeProfileRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Inserts a profile.
   * @throws AppError `DISPLAY_NAME_TAKEN` when the workspace already has that display name.
   */
  async create(input: NewRuntimeProfile): Promise<RuntimeProfile> {
    try {
      return await this.manager
        .getRepository(RuntimeProfile)
        .save(this.manager.create(RuntimeProfile, { fixedArgs: [], ...input }));
    } catch (err) {
      if (isUniqueViolation(err, DISPLAY_NAME_KEY)) {
        throw new AppError('DISPLAY_NAME_TAKEN', MESSAGES.displayNameTaken, { cause: err });
      }
      throw err;
    }
  }

  /**
   * Applies `patch` and always bumps `updated_at` (an empty patch is still an update, as
   * upstream's). Returns the updated profile, or null when it is not in this workspace.
   * @throws AppError `DISPLAY_NAME_TAKEN` when the new display name is taken.
   */
  async update(
    workspaceId: string,
    profileId: string,
    patch: RuntimeProfilePatch,
  ): Promise<RuntimeProfile | null> {
    try {
      const result = await this.manager
        .createQueryBuilder()
        .update(RuntimeProfile)
        .set({ ...patch, updatedAt: () => 'now()' })
        .where('id = :profileId AND workspace_id = :workspaceId', { profileId, workspaceId })
        .execute();
      if (!result.affected) {
        return null;
      }
    } catch (err) {
      if (isUniqueViolation(err, DISPLAY_NAME_KEY)) {
        throw new AppError('DISPLAY_NAME_TAKEN', MESSAGES.displayNameTaken, { cause: err });
      }
      throw err;
    }
    return this.findInWorkspace(workspaceId, profileId);
  }

  /** The profile with this id in this workspace, or null (another workspace's profile is null). */
  async findInWorkspace(workspaceId: string, profileId: string): Promise<RuntimeProfile | null> {
    return this.manager.findOneBy(RuntimeProfile, { id: profileId, workspaceId });
  }

  /** The workspace's profiles, oldest first; only the enabled ones when asked. */
  async listInWorkspace(
    workspaceId: string,
    opts: { enabledOnly?: boolean } = {},
  ): Promise<RuntimeProfile[]> {
    return this.manager.find(RuntimeProfile, {
      where: { workspaceId, ...(opts.enabledOnly ? { enabled: true } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }
}
