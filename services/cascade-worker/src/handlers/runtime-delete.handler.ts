import { buildEvent, type EventActor } from '@cp/contracts';
import type { Db } from '@cp/db';
import type { JobHandler, OutboxRelay } from '@cp/queue';
import { NO_CHANGES, toDeletionResult } from './profile-delete.handler';
import { runtimeRefusal } from './refusal';

/**
 * `runtime.delete`: in one transaction, locks the runtime row, checks both guards over it, and
 * either refuses (upstream's 409 body, final) or pauses the archived agents' autopilots and
 * deletes their archived squads, the archived agents and the row.
 * Rerun: a runtime already gone (or not in the payload's workspace) succeeds as a no-op.
 */
export function makeRuntimeDeleteHandler(deps: {
  db: Db;
  relay: Pick<OutboxRelay, 'kick'>;
}): JobHandler<'runtime.delete'> {
  return async (payload, ctx) => {
    const actor: EventActor = { type: payload.actorId ? 'member' : 'system', id: payload.actorId };
    const outcome = await deps.db.transaction(async (tx) => {
      const runtime = await tx.cascades.lockRuntime(payload.runtimeId);
      // A runtime of another workspace is not this job's to delete (the tenant key is explicit).
      if (!runtime || runtime.workspaceId !== payload.workspaceId) {
        return { kind: 'gone' as const };
      }
      const guard = await tx.cascades.checkGuards([runtime.id]);
      if ('blocker' in guard) {
        return { kind: 'refused' as const, blocker: guard.blocker };
      }
      const counts = await tx.cascades.deleteRuntimesAndDependents(
        [runtime.id],
        guard.archivedAgentIds,
        null,
      );
      await tx.outbox.append(
        buildEvent('runtime.deleted', payload.workspaceId, actor, {
          runtime_id: payload.runtimeId,
        }),
      );
      return { kind: 'deleted' as const, counts };
    });
    if (outcome.kind === 'refused') {
      throw runtimeRefusal(outcome.blocker);
    }
    if (outcome.kind === 'gone') {
      return toDeletionResult(false, NO_CHANGES);
    }
    deps.relay.kick();
    ctx.log.info({ requestId: payload.requestId, ...outcome.counts }, 'runtime deleted');
    return toDeletionResult(true, outcome.counts);
  };
}
