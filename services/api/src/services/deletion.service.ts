import { AppError, MESSAGES } from '@cp/contracts';
import type { Db } from '@cp/db';
import type { Membership } from '../http/locals';
import type { AuthService, Principal } from './auth.service';
import type { QueueAccess } from './operations.service';
import { canSee } from './runtime-profile.service';

/** Turns deletion requests into cascade jobs; the cascade worker does the deleting. */
export class DeletionService {
  constructor(
    private readonly db: Db,
    private readonly auth: AuthService,
    private readonly cascade: QueueAccess<'cascade'>,
  ) {}

  /**
   * Marks the profile for deletion (reads show it as `deleting`, registrations naming it are
   * refused) and enqueues `profile.delete`. A repeated request meets the same mark and so the
   * same job. If the enqueue fails the mark stays, and the sweeper enqueues it later.
   * @throws AppError `PROFILE_NOT_FOUND` (absent here or not visible), `QUEUE_UNAVAILABLE`.
   */
  async requestProfileDeletion(
    membership: Membership,
    profileId: string,
    requestId: string,
  ): Promise<string> {
    const { workspaceId, userId, role } = membership;
    const profile = await this.db.profiles.findInWorkspace(workspaceId, profileId);
    if (!profile || !canSee(profile, { kind: 'member', userId, role })) {
      throw new AppError('PROFILE_NOT_FOUND', MESSAGES.profileNotFound);
    }
    const mark = await this.db.cascades.markProfileForDeletion(workspaceId, profileId);
    if (!mark) {
      throw new AppError('PROFILE_NOT_FOUND', MESSAGES.profileNotFound);
    }
    return this.cascade.producer.enqueue('profile.delete', {
      workspaceId,
      profileId,
      deletionRequestedAt: mark.toISOString(),
      actorId: userId,
      requestId,
    });
  }

  /**
   * Checks upstream's runtime-delete permissions (spec §5.2 steps 1–3) and enqueues
   * `runtime.delete`; a finished job of an earlier request is replaced, a running one joined.
   * @throws AppError `RUNTIME_NOT_FOUND` (absent, or the caller is not a member of its
   *   workspace), `FORBIDDEN` (neither owner/admin nor the runtime's owner), `QUEUE_UNAVAILABLE`.
   */
  async requestRuntimeDeletion(
    principal: Principal,
    runtimeId: string,
    requestId: string,
  ): Promise<string> {
    const notFound = new AppError('RUNTIME_NOT_FOUND', MESSAGES.runtimeNotFound);
    if (principal.kind !== 'user') {
      throw notFound;
    }
    const runtime = await this.db.runtimes.findById(runtimeId);
    if (!runtime) {
      throw notFound;
    }
    const role = await this.auth.roleOf(runtime.workspaceId, principal.userId);
    if (!role) {
      throw notFound;
    }
    if (role === 'member' && runtime.ownerId !== principal.userId) {
      throw new AppError('FORBIDDEN', MESSAGES.runtimeDeleteForbidden);
    }
    return this.cascade.producer.enqueue(
      'runtime.delete',
      { workspaceId: runtime.workspaceId, runtimeId, actorId: principal.userId, requestId },
      { replaceFinished: true },
    );
  }
}
