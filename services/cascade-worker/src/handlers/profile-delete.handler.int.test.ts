import { randomUUID } from 'node:crypto';
import {
  AppError,
  DeletionResult,
  type ErrorCode,
  type EventActor,
  type EventType,
  MESSAGES,
  ProfileDeletePayload,
  RuntimeRegisterPayload,
} from '@cp/contracts';
import { type AgentRuntime, type Db, type RuntimeProfile, sqlRows, type User } from '@cp/db';
import { createLogger } from '@cp/platform';
import type { JobContext, OutboxRelay } from '@cp/queue';
import { makeRegistrar } from '@cp/registry-worker';
import {
  createTestDatabase,
  insertAgent,
  insertAutopilot,
  insertMember,
  insertRuntime,
  insertRuntimeProfile,
  insertSquad,
  insertSquadMember,
  insertTask,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import { makeProfileDeleteHandler } from './profile-delete.handler';

const log = createLogger('test', 'silent');
const ctx: JobContext = { jobId: 'test', name: 'profile.delete', attempt: 1, log };

/** One event the handler recorded in the outbox. */
interface RecordedEvent {
  type: EventType;
  workspaceId: string;
  actor: EventActor;
  data: Record<string, unknown>;
}

/** A relay stub that only counts how often it was kicked. */
function countingRelay(): Pick<OutboxRelay, 'kick'> & { kicks: () => number } {
  let kicks = 0;
  return {
    kick: () => {
      kicks++;
    },
    kicks: () => kicks,
  };
}

/** The error `work` rejects with; fails when it resolves. */
async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Asserts `err` is the final AppError with `code` and `message`. */
function expectAppError(err: unknown, code: ErrorCode, message: string): void {
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code, message, retryable: false });
}

/** The tables a cascade touches. */
type Table =
  | 'runtime_profile'
  | 'agent_runtime'
  | 'agent'
  | 'squad'
  | 'squad_member'
  | 'autopilot'
  | 'agent_task_queue';

describe(makeProfileDeleteHandler.name, () => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
  });

  afterAll(async () => {
    await database?.drop();
  });

  const query = <T>(sql: string, params: unknown[]): Promise<T[]> =>
    sqlRows<T>(database.dataSource.manager, sql, params);

  /** The events recorded in the outbox for a workspace, oldest first. */
  async function recordedEvents(workspaceId: string): Promise<RecordedEvent[]> {
    const events = await db.outbox.listForWorkspace(workspaceId);
    return events.map((event) => ({
      type: event.type,
      workspaceId: event.workspace_id,
      actor: event.actor,
      data: event.data,
    }));
  }

  /** The types of the events recorded for a workspace, oldest first. */
  const recordedTypes = async (workspaceId: string): Promise<EventType[]> =>
    (await recordedEvents(workspaceId)).map((event) => event.type);

  /** A fresh workspace and its owner (every test has its own). */
  async function seedTenant(): Promise<{ workspaceId: string; owner: User }> {
    const workspace = await insertWorkspace(db);
    const { user } = await insertMember(db, workspace.id, 'owner');
    return { workspaceId: workspace.id, owner: user };
  }

  /** An instance row of `profile` (on a fresh daemon unless `daemonId` is given). */
  const insertInstance = (
    profile: RuntimeProfile,
    daemonId: string | null = `daemon-${randomUUID()}`,
  ): Promise<AgentRuntime> =>
    insertRuntime(db, profile.workspaceId, {
      daemonId,
      profileId: profile.id,
      provider: profile.protocolFamily,
      name: profile.displayName,
    });

  /** An archived agent on `runtimeId`. */
  const insertArchivedAgent = (workspaceId: string, runtimeId: string, archivedBy: string) =>
    insertAgent(db, workspaceId, runtimeId, { archivedAt: new Date(), archivedBy });

  /** Marks the profile as the api does and returns the job payload carrying that mark. */
  async function markForDeletion(
    workspaceId: string,
    profileId: string,
    actorId: string | null,
  ): Promise<ProfileDeletePayload> {
    const mark = await db.cascades.markProfileForDeletion(workspaceId, profileId);
    if (!mark) {
      throw new Error(`profile ${profileId} is not in workspace ${workspaceId}`);
    }
    return ProfileDeletePayload.parse({
      workspaceId,
      profileId,
      deletionRequestedAt: mark.toISOString(),
      actorId,
      requestId: `req-${randomUUID()}`,
    });
  }

  /** Which of `ids` still have a row in `table`, sorted. */
  async function remaining(table: Table, ids: string[]): Promise<string[]> {
    const rows = await query<{ id: string }>(
      `SELECT id FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** The profile's deletion mark; fails when the profile is gone. */
  async function markOf(profileId: string): Promise<Date | null> {
    const [row] = await query<{ mark: Date | null }>(
      `SELECT deletion_requested_at AS mark FROM runtime_profile WHERE id = $1`,
      [profileId],
    );
    if (!row) {
      throw new Error(`profile ${profileId} is gone`);
    }
    return row.mark;
  }

  /** Every row of the workspace in every table a cascade touches, columns and all. */
  async function workspaceRows(workspaceId: string): Promise<Record<Table, unknown[]>> {
    const rowsOf = (sql: string) => query<Record<string, unknown>>(sql, [workspaceId]);
    return {
      runtime_profile: await rowsOf(
        `SELECT * FROM runtime_profile WHERE workspace_id = $1 ORDER BY id`,
      ),
      agent_runtime: await rowsOf(
        `SELECT * FROM agent_runtime WHERE workspace_id = $1 ORDER BY id`,
      ),
      agent: await rowsOf(`SELECT * FROM agent WHERE workspace_id = $1 ORDER BY id`),
      squad: await rowsOf(`SELECT * FROM squad WHERE workspace_id = $1 ORDER BY id`),
      squad_member: await rowsOf(
        `SELECT m.* FROM squad_member m JOIN squad s ON s.id = m.squad_id
         WHERE s.workspace_id = $1 ORDER BY m.id`,
      ),
      autopilot: await rowsOf(`SELECT * FROM autopilot WHERE workspace_id = $1 ORDER BY id`),
      agent_task_queue: await rowsOf(
        `SELECT t.* FROM agent_task_queue t JOIN agent a ON a.id = t.agent_id
         WHERE a.workspace_id = $1 ORDER BY t.id`,
      ),
    };
  }

  /** The autopilots' statuses by id. */
  async function statusesOf(ids: string[]): Promise<Record<string, string>> {
    const rows = await query<{ id: string; status: string }>(
      `SELECT id, status FROM autopilot WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return Object.fromEntries(rows.map((r) => [r.id, r.status]));
  }

  const sorted = (ids: string[]): string[] => [...ids].sort();

  describe('when every agent on its runtimes is archived', () => {
    it('deletes the profile, its runtime and the archived agent (upstream ArchivedAgentCascade)', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const runtime = await insertInstance(profile, null);
      const agent = await insertArchivedAgent(workspaceId, runtime.id, owner.id);
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result).toEqual({
        deleted: true,
        autopilots_paused: 0,
        squads_deleted: 0,
        agents_deleted: 1,
        runtimes_deleted: 1,
      });
      expect(await remaining('runtime_profile', [profile.id])).toEqual([]);
      expect(await remaining('agent_runtime', [runtime.id])).toEqual([]);
      expect(await remaining('agent', [agent.id])).toEqual([]);
      expect(await recordedEvents(workspaceId)).toEqual([
        {
          type: 'runtime_profile.deleted',
          workspaceId,
          actor: { type: 'member', id: owner.id },
          data: { deleted_runtime_profile_id: profile.id },
        },
      ]);
      expect(relay.kicks()).toBe(1);
    });

    it('deletes the archived squads their agents lead, pauses their active autopilots and drops their tasks', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const first = await insertInstance(profile);
      const second = await insertInstance(profile);
      const builtIn = await insertRuntime(db, workspaceId);
      const leader = await insertArchivedAgent(workspaceId, first.id, owner.id);
      const other = await insertArchivedAgent(workspaceId, second.id, owner.id);
      const outsider = await insertAgent(db, workspaceId, builtIn.id);
      const archivedOutsider = await insertArchivedAgent(workspaceId, builtIn.id, owner.id);
      const archivedAt = new Date();
      const squad = await insertSquad(db, workspaceId, leader.id, owner.id, { archivedAt });
      const members = [
        await insertSquadMember(db, squad.id, leader.id),
        await insertSquadMember(db, squad.id, outsider.id),
        await insertSquadMember(db, squad.id, owner.id, 'member'),
      ];
      const outsiderSquad = await insertSquad(db, workspaceId, archivedOutsider.id, owner.id, {
        archivedAt,
      });
      const autopilot = (assigneeId: string, over: Parameters<typeof insertAutopilot>[4] = {}) =>
        insertAutopilot(db, workspaceId, assigneeId, owner.id, over);
      const activeOfLeader = await autopilot(leader.id);
      const activeOfOther = await autopilot(other.id);
      const pausedOfOther = await autopilot(other.id, { status: 'paused' });
      const archivedOfLeader = await autopilot(leader.id, { status: 'archived' });
      const ofSquad = await autopilot(squad.id, { assigneeType: 'squad' });
      const ofOutsider = await autopilot(outsider.id);
      const ofArchivedOutsider = await autopilot(archivedOutsider.id);
      const goneTasks = [
        await insertTask(db, { agentId: leader.id, runtimeId: first.id }),
        await insertTask(db, { agentId: other.id, runtimeId: builtIn.id }),
        // An outsider's task on one of the profile's runtimes goes with the runtime row.
        await insertTask(db, { agentId: outsider.id, runtimeId: second.id }),
      ];
      const keptTask = await insertTask(db, { agentId: outsider.id, runtimeId: builtIn.id });
      const untouched = await query<{ id: string; updated_at: Date }>(
        `SELECT id, updated_at FROM autopilot WHERE id = ANY($1::uuid[]) ORDER BY id`,
        [[pausedOfOther.id, archivedOfLeader.id, ofSquad.id, ofOutsider.id, ofArchivedOutsider.id]],
      );
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const sut = makeProfileDeleteHandler({ db, relay: countingRelay() });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result).toEqual({
        deleted: true,
        autopilots_paused: 2,
        squads_deleted: 1,
        agents_deleted: 2,
        runtimes_deleted: 2,
      });
      expect(await remaining('runtime_profile', [profile.id])).toEqual([]);
      expect(await remaining('agent_runtime', [first.id, second.id, builtIn.id])).toEqual([
        builtIn.id,
      ]);
      expect(
        await remaining('agent', [leader.id, other.id, outsider.id, archivedOutsider.id]),
      ).toEqual(sorted([outsider.id, archivedOutsider.id]));
      expect(await remaining('squad', [squad.id, outsiderSquad.id])).toEqual([outsiderSquad.id]);
      expect(
        await remaining(
          'squad_member',
          members.map((m) => m.id),
        ),
      ).toEqual([]);
      expect(
        await remaining('agent_task_queue', [...goneTasks.map((t) => t.id), keptTask.id]),
      ).toEqual([keptTask.id]);
      expect(
        await statusesOf([
          activeOfLeader.id,
          activeOfOther.id,
          pausedOfOther.id,
          archivedOfLeader.id,
          ofSquad.id,
          ofOutsider.id,
          ofArchivedOutsider.id,
        ]),
      ).toEqual({
        [activeOfLeader.id]: 'paused',
        [activeOfOther.id]: 'paused',
        [pausedOfOther.id]: 'paused',
        [archivedOfLeader.id]: 'archived',
        [ofSquad.id]: 'active',
        [ofOutsider.id]: 'active',
        [ofArchivedOutsider.id]: 'active',
      });
      expect(
        await query<{ id: string; updated_at: Date }>(
          `SELECT id, updated_at FROM autopilot WHERE id = ANY($1::uuid[]) ORDER BY id`,
          [untouched.map((a) => a.id)],
        ),
      ).toEqual(untouched);
    });

    it('deletes the instances on all its daemons in one job, sparing built-in rows and other profiles', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const otherProfile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const daemons = [randomUUID(), randomUUID(), randomUUID()];
      const instances: AgentRuntime[] = [];
      const archivedAgents: string[] = [];
      const spared: AgentRuntime[] = [];
      const sparedAgents: string[] = [];
      for (const daemonId of daemons) {
        const instance = await insertInstance(profile, daemonId);
        instances.push(instance);
        archivedAgents.push((await insertArchivedAgent(workspaceId, instance.id, owner.id)).id);
        const builtIn = await insertRuntime(db, workspaceId, { daemonId, provider: 'codex' });
        const otherInstance = await insertInstance(otherProfile, daemonId);
        spared.push(builtIn, otherInstance);
        sparedAgents.push(
          (await insertAgent(db, workspaceId, builtIn.id)).id,
          (await insertAgent(db, workspaceId, otherInstance.id)).id,
        );
      }
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const sut = makeProfileDeleteHandler({ db, relay: countingRelay() });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result).toMatchObject({ deleted: true, agents_deleted: 3, runtimes_deleted: 3 });
      expect(
        await remaining(
          'agent_runtime',
          [...instances, ...spared].map((r) => r.id),
        ),
      ).toEqual(sorted(spared.map((r) => r.id)));
      expect(await remaining('agent', [...archivedAgents, ...sparedAgents])).toEqual(
        sorted(sparedAgents),
      );
      expect(await remaining('runtime_profile', [profile.id, otherProfile.id])).toEqual([
        otherProfile.id,
      ]);
      expect(await markOf(otherProfile.id)).toBeNull();
    });
  });

  describe('refusals', () => {
    it('refuses while an active agent is bound, leaving every row and clearing the mark (upstream ActiveAgentBlocks)', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const runtime = await insertInstance(profile, null);
      const archived = await insertArchivedAgent(workspaceId, runtime.id, owner.id);
      await insertAgent(db, workspaceId, runtime.id);
      await insertAutopilot(db, workspaceId, archived.id, owner.id);
      await insertTask(db, { agentId: archived.id, runtimeId: runtime.id });
      const before = await workspaceRows(workspaceId);
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const err = await rejectionOf(sut(payload, ctx));

      expectAppError(err, 'ACTIVE_AGENTS_BOUND', MESSAGES.profileActiveAgents);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await markOf(profile.id)).toBeNull();
      expect(await recordedEvents(workspaceId)).toEqual([
        {
          type: 'runtime_profile.delete_refused',
          workspaceId,
          actor: { type: 'member', id: owner.id },
          data: { runtime_profile_id: profile.id, reason: 'ACTIVE_AGENTS_BOUND' },
        },
      ]);
      expect(relay.kicks()).toBe(1);
    });

    it('refuses while an active squad is led by an archived agent on one of its runtimes (guard 2)', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const clean = await insertInstance(profile);
      const blocking = await insertInstance(profile);
      await insertArchivedAgent(workspaceId, clean.id, owner.id);
      const leader = await insertArchivedAgent(workspaceId, blocking.id, owner.id);
      const activeSquad = await insertSquad(db, workspaceId, leader.id, owner.id);
      await insertSquadMember(db, activeSquad.id, leader.id);
      const archivedSquad = await insertSquad(db, workspaceId, leader.id, owner.id, {
        archivedAt: new Date(),
      });
      await insertSquadMember(db, archivedSquad.id, leader.id);
      await insertAutopilot(db, workspaceId, leader.id, owner.id);
      await insertAutopilot(db, workspaceId, activeSquad.id, owner.id, { assigneeType: 'squad' });
      await insertTask(db, { agentId: leader.id, runtimeId: blocking.id });
      const before = await workspaceRows(workspaceId);
      const payload = await markForDeletion(workspaceId, profile.id, null);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const err = await rejectionOf(sut(payload, ctx));

      expectAppError(err, 'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS', MESSAGES.profileActiveSquads);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await markOf(profile.id)).toBeNull();
      expect(await recordedEvents(workspaceId)).toEqual([
        {
          type: 'runtime_profile.delete_refused',
          workspaceId,
          actor: { type: 'system', id: null },
          data: {
            runtime_profile_id: profile.id,
            reason: 'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
          },
        },
      ]);
      expect(relay.kicks()).toBe(1);
    });
  });

  describe('reruns and stale jobs', () => {
    it('succeeds as a no-op when run again after the deletion', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      await insertInstance(profile);
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });
      await sut(payload, ctx);

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result).toEqual({
        deleted: false,
        autopilots_paused: 0,
        squads_deleted: 0,
        agents_deleted: 0,
        runtimes_deleted: 0,
      });
      expect(await recordedTypes(workspaceId)).toEqual(['runtime_profile.deleted']);
      expect(relay.kicks()).toBe(1);
    });

    it('cleans up the instance rows of a profile that is already gone', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const first = await insertInstance(profile);
      const runtimes = [first, await insertInstance(profile)];
      const agent = await insertArchivedAgent(workspaceId, first.id, owner.id);
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      await query(`DELETE FROM runtime_profile WHERE id = $1`, [profile.id]);
      const sut = makeProfileDeleteHandler({ db, relay: countingRelay() });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result).toMatchObject({ deleted: true, agents_deleted: 1, runtimes_deleted: 2 });
      expect(
        await remaining(
          'agent_runtime',
          runtimes.map((r) => r.id),
        ),
      ).toEqual([]);
      expect(await remaining('agent', [agent.id])).toEqual([]);
      expect(await recordedTypes(workspaceId)).toEqual(['runtime_profile.deleted']);
    });

    it('does nothing when the profile now carries a newer mark', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const runtime = await insertInstance(profile);
      await insertArchivedAgent(workspaceId, runtime.id, owner.id);
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const newer = new Date(Date.parse(payload.deletionRequestedAt) + 1000);
      await query(`UPDATE runtime_profile SET deletion_requested_at = $2 WHERE id = $1`, [
        profile.id,
        newer,
      ]);
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result.deleted).toBe(false);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await markOf(profile.id)).toEqual(newer);
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });

    it('does nothing when its mark was cleared', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const runtime = await insertInstance(profile);
      await insertArchivedAgent(workspaceId, runtime.id, owner.id);
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      await db.cascades.clearDeletionMark(profile.id, new Date(payload.deletionRequestedAt));
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result.deleted).toBe(false);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await markOf(profile.id)).toBeNull();
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });

    it('does nothing when the payload names another workspace', async () => {
      const { workspaceId, owner } = await seedTenant();
      const { workspaceId: otherWorkspaceId } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const runtime = await insertInstance(profile);
      await insertArchivedAgent(workspaceId, runtime.id, owner.id);
      const marked = await markForDeletion(workspaceId, profile.id, owner.id);
      const payload = { ...marked, workspaceId: otherWorkspaceId };
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const result = DeletionResult.parse(await sut(payload, ctx));

      expect(result.deleted).toBe(false);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await markOf(profile.id)).toEqual(new Date(marked.deletionRequestedAt));
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(await recordedEvents(otherWorkspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });
  });

  describe('concurrency', () => {
    it('lets one of two concurrent runs delete while the other succeeds as a no-op', async () => {
      const { workspaceId, owner } = await seedTenant();
      const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
      const runtimes = [await insertInstance(profile), await insertInstance(profile)];
      for (const runtime of runtimes) {
        await insertArchivedAgent(workspaceId, runtime.id, owner.id);
      }
      const payload = await markForDeletion(workspaceId, profile.id, owner.id);
      const relay = countingRelay();
      const sut = makeProfileDeleteHandler({ db, relay });

      const results = await Promise.all([sut(payload, ctx), sut(payload, ctx)]);

      const deleted = results.map((r) => DeletionResult.parse(r).deleted).sort();
      expect(deleted).toEqual([false, true]);
      expect(await remaining('runtime_profile', [profile.id])).toEqual([]);
      expect(
        await remaining(
          'agent_runtime',
          runtimes.map((r) => r.id),
        ),
      ).toEqual([]);
      expect(await recordedTypes(workspaceId)).toEqual(['runtime_profile.deleted']);
      expect(relay.kicks()).toBe(1);
    });

    it('leaves no orphan runtime row when registrations race deletions (50 rounds)', async () => {
      const { workspaceId, owner } = await seedTenant();
      const registrar = makeRegistrar(
        { db, log, relay: countingRelay() },
        { maxBatchSize: 1, maxConcurrentFlushes: 4 },
      );
      const sut = makeProfileDeleteHandler({ db, relay: countingRelay() });
      const registrations: string[] = [];
      const deletions: DeletionResult[] = [];

      for (let round = 0; round < 50; round++) {
        const profile = await insertRuntimeProfile(db, workspaceId, { createdBy: owner.id });
        const registration = registrar.register(
          RuntimeRegisterPayload.parse({
            workspaceId,
            daemonId: randomUUID(),
            legacyDaemonIds: [],
            deviceName: 'devbox',
            cliVersion: '1.4.2',
            launchedBy: 'desktop',
            runtimes: [
              {
                name: profile.displayName,
                type: 'codex',
                version: '0.9.0',
                status: 'online',
                profileId: profile.id,
              },
            ],
            ownerId: owner.id,
          }),
        );
        const deletion = markForDeletion(workspaceId, profile.id, owner.id).then((payload) =>
          sut(payload, ctx),
        );
        const [registered, deleted] = await Promise.allSettled([registration, deletion]);
        registrations.push(
          registered.status === 'fulfilled'
            ? 'registered'
            : registered.reason instanceof AppError
              ? registered.reason.code
              : String(registered.reason),
        );
        if (deleted.status === 'rejected') {
          throw deleted.reason;
        }
        deletions.push(DeletionResult.parse(deleted.value));
      }

      expect(
        registrations.filter(
          (o) => !['registered', 'PROFILE_DELETING', 'UNKNOWN_PROFILE'].includes(o),
        ),
      ).toEqual([]);
      expect(deletions.filter((d) => !d.deleted)).toEqual([]);
      expect(
        await query<{ id: string }>(
          `SELECT r.id FROM agent_runtime r
           WHERE r.workspace_id = $1 AND r.profile_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM runtime_profile p WHERE p.id = r.profile_id)`,
          [workspaceId],
        ),
      ).toEqual([]);
      expect(
        await query(`SELECT id FROM runtime_profile WHERE workspace_id = $1`, [workspaceId]),
      ).toEqual([]);
      const types = await recordedTypes(workspaceId);
      expect(types.filter((type) => type === 'runtime_profile.deleted')).toHaveLength(50);
      expect(types.filter((type) => type === 'runtime.registered')).toHaveLength(
        registrations.filter((o) => o === 'registered').length,
      );
    });
  });
});
