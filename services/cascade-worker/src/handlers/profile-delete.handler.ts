import { buildEvent, type DeletionResult, type EventActor } from '@cp/contracts';
import type { CascadeCounts, Db } from '@cp/db';
import type { JobHandler, OutboxRelay } from '@cp/queue';
import { profileRefusal } from './refusal';

/** The result an operation shows for a cascade. */
export function toDeletionResult(deleted: boolean, counts: CascadeCounts): DeletionResult {
  return {
    deleted,
    autopilots_paused: counts.autopilotsPaused,
    squads_deleted: counts.squadsDeleted,
    agents_deleted: counts.agentsDeleted,
    runtimes_deleted: counts.runtimesDeleted,
  };
}

/** Counts of a deletion that found nothing to do. */
export const NO_CHANGES: CascadeCounts = {
  autopilotsPaused: 0,
  squadsDeleted: 0,
  agentsDeleted: 0,
  runtimesDeleted: 0,
};

/**
 * `profile.delete`: in one transaction, locks the profile `FOR UPDATE` and its runtime rows in id
 * order, checks both guards, and either refuses or removes the archived agents' autopilot
 * assignments, squads and agents, the runtime rows and the profile, set-based.
 *
 * What goes: everything above, or nothing. A refusal rolls back, clears the deletion mark (if it
 * is still this job's) and fails the job with upstream's 409 sentence; it is final.
 * Rerun: a profile already gone succeeds as a no-op, after cleaning any instance rows left
 * behind; a job whose mark was superseded (cleared or renewed) does nothing.
 */
export function makeProfileDeleteHandler(deps: {
  db: Db;
  relay: Pick<OutboxRelay, 'kick'>;
}): JobHandler<'profile.delete'> {
  return async (payload, ctx) => {
    const { workspaceId, profileId } = payload;
    const mark = new Date(payload.deletionRequestedAt);
    const actor: EventActor = { type: payload.actorId ? 'member' : 'system', id: payload.actorId };
    const outcome = await deps.db.transaction(async (tx) => {
      const profile = await tx.cascades.lockProfile(workspaceId, profileId);
      if (profile && profile.mark?.getTime() !== mark.getTime()) {
        return { kind: 'superseded' as const };
      }
      const runtimeIds = await tx.cascades.lockProfileRuntimes(workspaceId, profileId);
      if (!profile && runtimeIds.length === 0) {
        return { kind: 'gone' as const };
      }
      const guard = await tx.cascades.checkGuards(runtimeIds);
      if ('blocker' in guard) {
        return { kind: 'refused' as const, blocker: guard.blocker };
      }
      const counts = await tx.cascades.deleteRuntimesAndDependents(
        runtimeIds,
        guard.archivedAgentIds,
        {
          profileId,
          workspaceId,
        },
      );
      if (profile) {
        await tx.cascades.deleteProfile(workspaceId, profileId);
      }
      await tx.outbox.append(
        buildEvent('runtime_profile.deleted', workspaceId, actor, {
          deleted_runtime_profile_id: profileId,
        }),
      );
      return { kind: 'deleted' as const, counts };
    });

    switch (outcome.kind) {
      case 'superseded':
      case 'gone':
        ctx.log.info({ requestId: payload.requestId, outcome: outcome.kind }, 'nothing to delete');
        return toDeletionResult(false, NO_CHANGES);
      case 'refused': {
        const error = profileRefusal(outcome.blocker);
        await deps.db.transaction(async (tx) => {
          await tx.cascades.clearDeletionMark(profileId, mark);
          await tx.outbox.append(
            buildEvent('runtime_profile.delete_refused', workspaceId, actor, {
              runtime_profile_id: profileId,
              reason: error.code,
            }),
          );
        });
        deps.relay.kick();
        ctx.log.info(
          { requestId: payload.requestId, reason: error.code },
          'profile deletion refused',
        );
        throw error;
      }
      case 'deleted':
        deps.relay.kick();
        ctx.log.info({ requestId: payload.requestId, ...outcome.counts }, 'profile deleted');
        return toDeletionResult(true, outcome.counts);
    }
  };
}
