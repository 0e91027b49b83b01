import { AppError, buildEvent, type MemberRole, MESSAGES } from '@cp/contracts';
import type { Db, NewRuntimeProfile, RuntimeProfile, RuntimeProfilePatch } from '@cp/db';
import type { OutboxRelay } from '@cp/queue';

/** Who is reading profiles: decides which private profiles they see. */
export type ProfileViewer =
  | { kind: 'member'; userId: string; role: MemberRole }
  | { kind: 'daemon'; createdBy: string | null };

/**
 * Visibility, enforced (upstream stores it and enforces nothing): a private profile is seen by
 * its creator, by owners and admins, and by daemon tokens its creator created.
 */
export function canSee(profile: RuntimeProfile, viewer: ProfileViewer): boolean {
  if (profile.visibility === 'workspace') {
    return true;
  }
  if (profile.createdBy === null) {
    return viewer.kind === 'member' && viewer.role !== 'member';
  }
  if (viewer.kind === 'daemon') {
    return viewer.createdBy === profile.createdBy;
  }
  return viewer.role !== 'member' || viewer.userId === profile.createdBy;
}

const notFound = () => new AppError('PROFILE_NOT_FOUND', MESSAGES.profileNotFound);

/** Runtime profile reads and writes (delete lives with the cascade). */
export class RuntimeProfileService {
  constructor(
    private readonly db: Db,
    private readonly relay: Pick<OutboxRelay, 'kick'>,
  ) {}

  /** Every profile of the workspace the viewer may see, oldest first. */
  async list(workspaceId: string, viewer: ProfileViewer): Promise<RuntimeProfile[]> {
    const profiles = await this.db.profiles.listInWorkspace(workspaceId);
    return profiles.filter((profile) => canSee(profile, viewer));
  }

  /**
   * What a daemon may register: enabled profiles the viewer may see, without those being
   * deleted (registering one would be refused with 409).
   */
  async listRegistrable(workspaceId: string, viewer: ProfileViewer): Promise<RuntimeProfile[]> {
    const profiles = await this.db.profiles.listInWorkspace(workspaceId, { enabledOnly: true });
    return profiles.filter((profile) => !profile.deletionRequestedAt && canSee(profile, viewer));
  }

  /** One profile. @throws AppError `PROFILE_NOT_FOUND` when absent here or not visible. */
  async get(
    workspaceId: string,
    profileId: string,
    viewer: ProfileViewer,
  ): Promise<RuntimeProfile> {
    const profile = await this.db.profiles.findInWorkspace(workspaceId, profileId);
    if (!profile || !canSee(profile, viewer)) {
      throw notFound();
    }
    return profile;
  }

  /**
   * Creates a profile and records `runtime_profile.created` in the same transaction.
   * @throws AppError `DISPLAY_NAME_TAKEN`.
   */
  async create(input: NewRuntimeProfile, actorUserId: string): Promise<RuntimeProfile> {
    const profile = await this.db.transaction(async (tx) => {
      const created = await tx.profiles.create(input);
      await tx.outbox.append(
        buildEvent('runtime_profile.created', created.workspaceId, member(actorUserId), {
          runtime_profile_id: created.id,
        }),
      );
      return created;
    });
    this.relay.kick();
    return profile;
  }

  /**
   * Applies a partial update (always bumping `updated_at`) and records
   * `runtime_profile.updated` in the same transaction.
   * @throws AppError `PROFILE_NOT_FOUND`, `DISPLAY_NAME_TAKEN`.
   */
  async update(
    workspaceId: string,
    profileId: string,
    patch: RuntimeProfilePatch,
    actorUserId: string,
  ): Promise<RuntimeProfile> {
    const profile = await this.db.transaction(async (tx) => {
      const updated = await tx.profiles.update(workspaceId, profileId, patch);
      if (!updated) {
        throw notFound();
      }
      await tx.outbox.append(
        buildEvent('runtime_profile.updated', workspaceId, member(actorUserId), {
          runtime_profile_id: updated.id,
        }),
      );
      return updated;
    });
    this.relay.kick();
    return profile;
  }
}

const member = (userId: string) => ({ type: 'member' as const, id: userId });
