import type { Db } from '@cp/db';
import type { JobHandler, Producer } from '@cp/queue';

export interface SweepOptions {
  /** A mark older than this without a live job is stuck. */
  staleAfterMs: number;
  /** Marks handled per run. */
  batchSize: number;
}

/**
 * `profile.sweep-deletions` (recurring): finds profiles whose deletion mark is older than
 * `staleAfterMs` and makes sure their `profile.delete` job will run (added when it was lost, a
 * wiped Redis included; retried when it failed). A rerun is harmless: a live job is left alone.
 */
export function makeSweepDeletionsHandler(deps: {
  db: Db;
  cascade: Pick<Producer<'cascade'>, 'ensure'>;
  options: SweepOptions;
}): JobHandler<'profile.sweep-deletions'> {
  return async (_payload, ctx) => {
    const olderThan = new Date(Date.now() - deps.options.staleAfterMs);
    const marks = await deps.db.cascades.staleDeletionMarks(olderThan, deps.options.batchSize);
    const outcomes = { added: 0, retried: 0, live: 0 };
    for (const mark of marks) {
      const outcome = await deps.cascade.ensure('profile.delete', {
        workspaceId: mark.workspaceId,
        profileId: mark.id,
        deletionRequestedAt: mark.mark.toISOString(),
        actorId: null,
      });
      outcomes[outcome]++;
    }
    if (outcomes.added + outcomes.retried > 0) {
      ctx.log.warn(outcomes, 'sweeper re-enqueued stuck profile deletions');
    }
    return outcomes;
  };
}
