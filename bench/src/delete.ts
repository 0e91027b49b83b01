/**
 * `npm run bench:delete -- [--runtimes 1000] [--agents-per-runtime 10]`
 *
 * How long deleting a profile takes when it has `runtimes` instance rows and
 * `runtimes x agents-per-runtime` archived agents (with a squad and an autopilot on every tenth
 * agent), on a scratch database on DATABASE_URL's server. The same data is deleted twice, by
 * the cascade worker's handler (set-based statements over all runtimes, one transaction) and by
 * a per-runtime loop like upstream's, and the times are printed side by side.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { makeProfileDeleteHandler } from '@cp/cascade-worker';
import { DeletionResult } from '@cp/contracts';
import type { Db } from '@cp/db';
import { createLogger } from '@cp/platform';
import { createScratchDatabase } from './scratch';
import type { DataSource } from 'typeorm';

const { values } = parseArgs({
  options: {
    runtimes: { type: 'string', default: '1000' },
    'agents-per-runtime': { type: 'string', default: '10' },
  },
});
const RUNTIMES = Number(values.runtimes);
const AGENTS = Number(values['agents-per-runtime']);
const log = createLogger('bench', 'warn');

/** A profile with its runtimes, archived agents, squads and autopilots, inserted set-based. */
async function seed(ds: DataSource, db: Db): Promise<{ workspaceId: string; profileId: string }> {
  const workspace = await db.workspaces.create({
    name: 'bench',
    slug: `bench-${randomBytes(4).toString('hex')}`,
  });
  const user = await db.users.create({
    name: 'bench',
    email: `bench-${randomBytes(4).toString('hex')}@example.test`,
  });
  const profile = await db.profiles.create({
    workspaceId: workspace.id,
    displayName: `Bench ${randomBytes(4).toString('hex')}`,
    protocolFamily: 'codex',
    commandName: 'bench-codex',
    createdBy: user.id,
  });
  await ds.query(
    `INSERT INTO agent_runtime (workspace_id, daemon_id, name, runtime_mode, provider, profile_id)
     SELECT $1, 'daemon-' || g, 'Bench', 'local', 'codex', $2 FROM generate_series(1, $3) g`,
    [workspace.id, profile.id, RUNTIMES],
  );
  await ds.query(
    `INSERT INTO agent (workspace_id, name, runtime_mode, runtime_id, archived_at)
     SELECT r.workspace_id, 'agent-' || r.id || '-' || g, 'local', r.id, now()
     FROM agent_runtime r, generate_series(1, $2) g WHERE r.profile_id = $1`,
    [profile.id, AGENTS],
  );
  await ds.query(
    `INSERT INTO squad (workspace_id, name, leader_id, creator_id, archived_at)
     SELECT a.workspace_id, 'squad-' || a.id, a.id, $2, now()
     FROM agent a JOIN agent_runtime r ON r.id = a.runtime_id
     WHERE r.profile_id = $1 AND a.name LIKE '%-1'`,
    [profile.id, user.id],
  );
  await ds.query(
    `INSERT INTO autopilot (workspace_id, title, assignee_id, assignee_type, created_by_type, created_by_id)
     SELECT a.workspace_id, 'autopilot', a.id, 'agent', 'member', $2
     FROM agent a JOIN agent_runtime r ON r.id = a.runtime_id
     WHERE r.profile_id = $1 AND a.name LIKE '%-1'`,
    [profile.id, user.id],
  );
  await ds.query('ANALYZE');
  return { workspaceId: workspace.id, profileId: profile.id };
}

/** The handler's way: one job, one transaction, set-based over every runtime. */
async function deleteWithHandler(db: Db, workspaceId: string, profileId: string): Promise<void> {
  const mark = await db.cascades.markProfileForDeletion(workspaceId, profileId);
  const sut = makeProfileDeleteHandler({ db, relay: { kick: () => undefined } });
  const result = await sut(
    {
      workspaceId,
      profileId,
      deletionRequestedAt: (mark ?? new Date()).toISOString(),
      actorId: null,
    },
    { jobId: 'bench', name: 'profile.delete', attempt: 1, log },
  );
  if (!DeletionResult.parse(result).deleted) {
    throw new Error('the handler deleted nothing');
  }
}

/** Upstream's way at the spec's commit: statements per runtime, in one transaction. */
async function deletePerRuntime(
  ds: DataSource,
  workspaceId: string,
  profileId: string,
): Promise<void> {
  await ds.transaction(async (tx) => {
    const runtimes = await tx.query<{ id: string }[]>(
      `SELECT id FROM agent_runtime WHERE profile_id = $1`,
      [profileId],
    );
    for (const { id } of runtimes) {
      const agents = await tx.query<{ id: string }[]>(
        `SELECT id FROM agent WHERE runtime_id = $1 AND archived_at IS NOT NULL`,
        [id],
      );
      const ids = agents.map((a) => a.id);
      if (ids.length > 0) {
        await tx.query(
          `UPDATE autopilot SET status = 'paused', updated_at = now()
           WHERE status = 'active' AND assignee_type = 'agent' AND assignee_id = ANY($1::uuid[])`,
          [ids],
        );
      }
      await tx.query(
        `DELETE FROM squad WHERE archived_at IS NOT NULL AND leader_id IN
           (SELECT id FROM agent WHERE runtime_id = $1 AND archived_at IS NOT NULL)`,
        [id],
      );
      await tx.query(`DELETE FROM agent WHERE runtime_id = $1 AND archived_at IS NOT NULL`, [id]);
    }
    await tx.query(`DELETE FROM agent_runtime WHERE profile_id = $1`, [profileId]);
    await tx.query(`DELETE FROM runtime_profile WHERE id = $1 AND workspace_id = $2`, [
      profileId,
      workspaceId,
    ]);
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const scratch = await createScratchDatabase();
  const { dataSource: ds, db } = scratch;
  try {
    const a = await seed(ds, db);
    const handlerMs = await timed(() => deleteWithHandler(db, a.workspaceId, a.profileId));
    const b = await seed(ds, db);
    const loopMs = await timed(() => deletePerRuntime(ds, b.workspaceId, b.profileId));
    const out = process.stdout;
    out.write(
      `delete bench: one profile with ${RUNTIMES} runtimes, ${RUNTIMES * AGENTS} archived agents, ` +
        `${RUNTIMES} archived squads and ${RUNTIMES} autopilots\n`,
    );
    out.write(`cascade handler (set-based, one transaction)  ${handlerMs.toFixed(0)} ms\n`);
    out.write(`per-runtime loop (upstream's statements)      ${loopMs.toFixed(0)} ms\n`);
    out.write(`ratio handler/loop: x${(handlerMs / loopMs).toFixed(2)}\n`);
  } finally {
    await scratch.drop();
  }
}

void main();
