import { randomUUID } from 'node:crypto';
import {
  AgentJson,
  AppError,
  DeletionResult,
  type ErrorCode,
  type EventActor,
  type EventType,
  MESSAGES,
  RuntimeDeletePayload,
} from '@cp/contracts';
import { type Db, sqlRows, type User } from '@cp/db';
import { createLogger } from '@cp/platform';
import type { JobContext, OutboxRelay } from '@cp/queue';
import {
  createTestDatabase,
  insertAgent,
  insertAutopilot,
  insertMember,
  insertRuntime,
  insertSquad,
  insertSquadMember,
  insertTask,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import { z } from 'zod';
import { makeRuntimeDeleteHandler } from './runtime-delete.handler';

const ctx: JobContext = {
  jobId: 'test',
  name: 'runtime.delete',
  attempt: 1,
  log: createLogger('test', 'silent'),
};

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

/** Asserts `err` is the final AppError with `code` and `message`; returns it. */
function expectAppError(err: unknown, code: ErrorCode, message: string): AppError {
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code, message, retryable: false });
  if (!(err instanceof AppError)) {
    throw new Error('unreachable: not an AppError');
  }
  return err;
}

/** Runtime delete's 409 body for active agents (spec §5.2 step 4). */
const ActiveAgentsBody = z.object({
  code: z.literal('runtime_has_active_agents'),
  active_agents: z.array(AgentJson),
});

/** The tables a cascade touches. */
type Table = 'agent_runtime' | 'agent' | 'squad' | 'squad_member' | 'autopilot';

describe(makeRuntimeDeleteHandler.name, () => {
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

  /** A fresh workspace, its owner and one runtime (every test has its own). */
  async function seedRuntime(): Promise<{ workspaceId: string; owner: User; runtimeId: string }> {
    const workspace = await insertWorkspace(db);
    const { user } = await insertMember(db, workspace.id, 'owner');
    const runtime = await insertRuntime(db, workspace.id, { ownerId: user.id });
    return { workspaceId: workspace.id, owner: user, runtimeId: runtime.id };
  }

  /** An archived agent on `runtimeId`. */
  const insertArchivedAgent = (workspaceId: string, runtimeId: string, archivedBy: string) =>
    insertAgent(db, workspaceId, runtimeId, { archivedAt: new Date(), archivedBy });

  const payloadFor = (workspaceId: string, runtimeId: string, actorId: string | null) =>
    RuntimeDeletePayload.parse({
      workspaceId,
      runtimeId,
      actorId,
      requestId: `req-${randomUUID()}`,
    });

  /** Which of `ids` still have a row in `table`, sorted. */
  async function remaining(table: Table, ids: string[]): Promise<string[]> {
    const rows = await query<{ id: string }>(
      `SELECT id FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** Every row of the workspace in every table a cascade touches, columns and all. */
  async function workspaceRows(workspaceId: string): Promise<Record<string, unknown[]>> {
    const rowsOf = (sql: string) => query<Record<string, unknown>>(sql, [workspaceId]);
    return {
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

  const sorted = (ids: string[]): string[] => [...ids].sort();

  describe('refusals', () => {
    it('refuses with the structured conflict listing exactly the active agents (upstream StructuredConflict)', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const active = [
        await insertAgent(db, workspaceId, runtimeId, { ownerId: owner.id }),
        await insertAgent(db, workspaceId, runtimeId, { description: 'reviews pull requests' }),
      ];
      await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const elsewhere = await insertRuntime(db, workspaceId);
      await insertAgent(db, workspaceId, elsewhere.id);
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const err = await rejectionOf(sut(payloadFor(workspaceId, runtimeId, owner.id), ctx));

      const error = expectAppError(err, 'ACTIVE_AGENTS_BOUND', MESSAGES.runtimeActiveAgents);
      const body = ActiveAgentsBody.parse(error.opts.body);
      expect(sorted(body.active_agents.map((a) => a.id))).toEqual(sorted(active.map((a) => a.id)));
      expect(body.active_agents.find((a) => a.id === active[0]?.id)).toMatchObject({
        workspace_id: workspaceId,
        runtime_id: runtimeId,
        owner_id: owner.id,
        archived_at: null,
      });
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });

    it('refuses while an active squad is led by an archived agent (upstream ActiveSquadWithArchivedLeaderReturnsConflict)', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const leader = await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const squad = await insertSquad(db, workspaceId, leader.id, owner.id);
      await insertSquadMember(db, squad.id, leader.id);
      await insertAutopilot(db, workspaceId, leader.id, owner.id);
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const err = await rejectionOf(sut(payloadFor(workspaceId, runtimeId, owner.id), ctx));

      const error = expectAppError(
        err,
        'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
        MESSAGES.runtimeActiveSquads,
      );
      expect(error.opts.body).toBeUndefined();
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });

    it('refuses archived and active squads together without deleting anything (upstream ArchivedAndActiveSquadsReturnConflictWithoutDeletes)', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const first = await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const second = await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const archivedSquad = await insertSquad(db, workspaceId, first.id, owner.id, {
        archivedAt: new Date(),
      });
      await insertSquadMember(db, archivedSquad.id, first.id);
      await insertSquad(db, workspaceId, second.id, owner.id);
      await insertAutopilot(db, workspaceId, first.id, owner.id);
      await insertTask(db, { agentId: first.id, runtimeId });
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const err = await rejectionOf(sut(payloadFor(workspaceId, runtimeId, owner.id), ctx));

      expectAppError(err, 'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS', MESSAGES.runtimeActiveSquads);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await remaining('squad', [archivedSquad.id])).toEqual([archivedSquad.id]);
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });

    it('stays blocked by active agents even when the squads would allow it (upstream StillBlockedByActiveAgents)', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const archived = await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const squad = await insertSquad(db, workspaceId, archived.id, owner.id, {
        archivedAt: new Date(),
      });
      const active = await insertAgent(db, workspaceId, runtimeId);
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const err = await rejectionOf(sut(payloadFor(workspaceId, runtimeId, owner.id), ctx));

      const error = expectAppError(err, 'ACTIVE_AGENTS_BOUND', MESSAGES.runtimeActiveAgents);
      expect(ActiveAgentsBody.parse(error.opts.body).active_agents.map((a) => a.id)).toEqual([
        active.id,
      ]);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await remaining('squad', [squad.id])).toEqual([squad.id]);
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });
  });

  describe('deletions', () => {
    it('removes the archived squads led by archived agents, then the agents and the runtime (upstream RemovesArchivedSquadsLedByArchivedAgents)', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const leader = await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const follower = await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const led = await insertSquad(db, workspaceId, leader.id, owner.id, {
        archivedAt: new Date(),
      });
      const ledByFollower = await insertSquad(db, workspaceId, follower.id, owner.id, {
        archivedAt: new Date(),
      });
      const squads = [led, ledByFollower];
      const members = [
        await insertSquadMember(db, led.id, leader.id),
        await insertSquadMember(db, led.id, follower.id),
        await insertSquadMember(db, ledByFollower.id, owner.id, 'member'),
      ];
      const paused = await insertAutopilot(db, workspaceId, leader.id, owner.id);
      const ofSquad = await insertAutopilot(db, workspaceId, led.id, owner.id, {
        assigneeType: 'squad',
      });
      await insertTask(db, { agentId: follower.id, runtimeId });
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const result = DeletionResult.parse(
        await sut(payloadFor(workspaceId, runtimeId, owner.id), ctx),
      );

      expect(result).toEqual({
        deleted: true,
        autopilots_paused: 1,
        squads_deleted: 2,
        agents_deleted: 2,
        runtimes_deleted: 1,
      });
      expect(await remaining('agent_runtime', [runtimeId])).toEqual([]);
      expect(await remaining('agent', [leader.id, follower.id])).toEqual([]);
      expect(
        await remaining(
          'squad',
          squads.map((s) => s.id),
        ),
      ).toEqual([]);
      expect(
        await remaining(
          'squad_member',
          members.map((m) => m.id),
        ),
      ).toEqual([]);
      expect(
        await query<{ id: string; status: string }>(
          `SELECT id, status FROM autopilot WHERE id = ANY($1::uuid[]) ORDER BY id`,
          [[paused.id, ofSquad.id]],
        ),
      ).toEqual(
        [
          { id: paused.id, status: 'paused' },
          { id: ofSquad.id, status: 'active' },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect((await workspaceRows(workspaceId)).agent_task_queue).toEqual([]);
      expect(await recordedEvents(workspaceId)).toEqual([
        {
          type: 'runtime.deleted',
          workspaceId,
          actor: { type: 'member', id: owner.id },
          data: { runtime_id: runtimeId },
        },
      ]);
      expect(relay.kicks()).toBe(1);
    });

    it('deletes the runtime and its archived agents when no squad exists (upstream NoSquadsRegression)', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const agents = [
        await insertArchivedAgent(workspaceId, runtimeId, owner.id),
        await insertArchivedAgent(workspaceId, runtimeId, owner.id),
      ];
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const result = DeletionResult.parse(await sut(payloadFor(workspaceId, runtimeId, null), ctx));

      expect(result).toEqual({
        deleted: true,
        autopilots_paused: 0,
        squads_deleted: 0,
        agents_deleted: 2,
        runtimes_deleted: 1,
      });
      expect(await remaining('agent_runtime', [runtimeId])).toEqual([]);
      expect(
        await remaining(
          'agent',
          agents.map((a) => a.id),
        ),
      ).toEqual([]);
      expect(await recordedEvents(workspaceId)).toEqual([
        {
          type: 'runtime.deleted',
          workspaceId,
          actor: { type: 'system', id: null },
          data: { runtime_id: runtimeId },
        },
      ]);
      expect(relay.kicks()).toBe(1);
    });

    it('succeeds as a no-op when the runtime is already gone', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });
      const payload = payloadFor(workspaceId, runtimeId, owner.id);
      await sut(payload, ctx);

      const rerun = DeletionResult.parse(await sut(payload, ctx));
      const unknown = DeletionResult.parse(
        await sut(payloadFor(workspaceId, randomUUID(), owner.id), ctx),
      );

      const nothing = {
        deleted: false,
        autopilots_paused: 0,
        squads_deleted: 0,
        agents_deleted: 0,
        runtimes_deleted: 0,
      };
      expect(rerun).toEqual(nothing);
      expect(unknown).toEqual(nothing);
      expect((await recordedEvents(workspaceId)).map((e) => e.type)).toEqual(['runtime.deleted']);
      expect(relay.kicks()).toBe(1);
    });

    it('does nothing when the payload names another workspace', async () => {
      const { workspaceId, owner, runtimeId } = await seedRuntime();
      const other = await insertWorkspace(db);
      await insertArchivedAgent(workspaceId, runtimeId, owner.id);
      const before = await workspaceRows(workspaceId);
      const relay = countingRelay();
      const sut = makeRuntimeDeleteHandler({ db, relay });

      const result = DeletionResult.parse(await sut(payloadFor(other.id, runtimeId, null), ctx));

      expect(result.deleted).toBe(false);
      expect(await workspaceRows(workspaceId)).toEqual(before);
      expect(await recordedEvents(workspaceId)).toEqual([]);
      expect(await recordedEvents(other.id)).toEqual([]);
      expect(relay.kicks()).toBe(0);
    });
  });
});
