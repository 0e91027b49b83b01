import { makeSweepDeletionsHandler } from '@cp/cascade-worker';
import {
  AgentJson,
  DeletionResult,
  ErrorResponse,
  MESSAGES,
  OperationResponse,
  RuntimeProfileJson,
} from '@cp/contracts';
import { createLogger } from '@cp/platform';
import {
  eventually,
  insertAgent,
  insertMember,
  insertDaemonToken,
  insertRuntime,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { type FlowSystem, startFlowSystem } from './support/system';

const log = createLogger('delete-test', 'silent');

/** Deletions over HTTP: the api, the cascade worker and the registry worker in this process. */
describe('deletions', () => {
  let system: FlowSystem;
  let database: TestDatabase;
  let app: Express;

  beforeAll(async () => {
    system = await startFlowSystem({ workers: ['cascade', 'registry'], relay: 'live' });
    ({ database, app } = system);
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function team() {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const member = await insertMember(database.db, workspace.id, 'member');
    const profile = await insertRuntimeProfile(database.db, workspace.id, {
      createdBy: owner.user.id,
    });
    const runtime = await insertRuntime(database.db, workspace.id, { profileId: profile.id });
    return { workspace, owner, member, profile, runtime };
  }

  const profileUrl = (workspaceId: string, profileId: string) =>
    `/api/workspaces/${workspaceId}/runtime-profiles/${profileId}`;

  describe('DELETE /api/workspaces/:id/runtime-profiles/:profileId', () => {
    it('answers 202 with the operation, which succeeds; the profile is then gone and the event is on the stream', async () => {
      const { workspace, owner, profile, runtime } = await team();
      await insertAgent(database.db, workspace.id, runtime.id, { archivedAt: new Date() });

      const res = await request(app)
        .delete(profileUrl(workspace.id, profile.id))
        .auth(owner.token, { type: 'bearer' });

      expect(res.status).toBe(202);
      const { operation } = OperationResponse.parse(res.body);
      expect(res.headers.location).toBe(`/api/operations/${operation.id}`);
      expect(operation).toMatchObject({
        kind: 'profile.delete',
        workspace_id: workspace.id,
        target_id: profile.id,
      });
      const done = await eventually(async () => {
        const poll = await request(app)
          .get(res.headers.location ?? '')
          .auth(owner.token, { type: 'bearer' });
        const parsed = OperationResponse.parse(poll.body).operation;
        expect(parsed.status).toBe('succeeded');
        return parsed;
      });
      expect(DeletionResult.parse(done.result)).toEqual({
        deleted: true,
        autopilots_paused: 0,
        squads_deleted: 0,
        agents_deleted: 1,
        runtimes_deleted: 1,
      });
      const gone = await request(app)
        .get(profileUrl(workspace.id, profile.id))
        .auth(owner.token, { type: 'bearer' });
      expect(gone.status).toBe(404);
      await system.publishEvents();
      const events = (await system.stream.readAfter('0', 10_000)).map((e) => e.event);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'runtime_profile.deleted',
          workspace_id: workspace.id,
          data: { deleted_runtime_profile_id: profile.id },
        }),
      );
      expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([
        expect.objectContaining({
          type: 'runtime_profile.deleted',
          actor: { type: 'member', id: owner.user.id },
          published: true,
        }),
      ]);
    });

    it('makes two concurrent deletes of one profile one cascade, and both see it succeed', async () => {
      const { workspace, owner, profile, runtime } = await team();
      const admin = await insertMember(database.db, workspace.id, 'admin');
      await insertAgent(database.db, workspace.id, runtime.id, { archivedAt: new Date() });

      const answers = await Promise.all(
        [owner, admin].map((caller) =>
          request(app)
            .delete(profileUrl(workspace.id, profile.id))
            .auth(caller.token, { type: 'bearer' }),
        ),
      );

      expect(answers.map((res) => res.status)).toEqual([202, 202]);
      const ids = answers.map((res) => OperationResponse.parse(res.body).operation.id);
      expect(ids[1]).toBe(ids[0]);
      for (const caller of [owner, admin]) {
        await eventually(async () => {
          const poll = await request(app)
            .get(`/api/operations/${ids[0]}`)
            .auth(caller.token, { type: 'bearer' });
          expect(OperationResponse.parse(poll.body).operation.status).toBe('succeeded');
        });
      }
      expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([
        expect.objectContaining({ type: 'runtime_profile.deleted' }),
      ]);
    });

    it('answers 204 like upstream with Prefer: wait', async () => {
      const { workspace, owner, profile } = await team();
      const res = await request(app)
        .delete(profileUrl(workspace.id, profile.id))
        .set('Prefer', 'wait=10')
        .auth(owner.token, { type: 'bearer' });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
    });

    it("answers upstream's 409 with Prefer: wait while an active agent is bound, and clears the mark", async () => {
      const { workspace, owner, profile, runtime } = await team();
      await insertAgent(database.db, workspace.id, runtime.id);

      const res = await request(app)
        .delete(profileUrl(workspace.id, profile.id))
        .set('Prefer', 'wait=10')
        .auth(owner.token, { type: 'bearer' });

      expect(res.status).toBe(409);
      expect(ErrorResponse.parse(res.body)).toMatchObject({
        error: MESSAGES.profileActiveAgents,
        code: 'ACTIVE_AGENTS_BOUND',
      });
      const after = await request(app)
        .get(profileUrl(workspace.id, profile.id))
        .auth(owner.token, { type: 'bearer' });
      expect(RuntimeProfileJson.parse(after.body).status).toBe('active');
      expect(await database.db.runtimes.findById(runtime.id)).not.toBeNull();
      expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([
        expect.objectContaining({
          type: 'runtime_profile.delete_refused',
          actor: { type: 'member', id: owner.user.id },
          data: { runtime_profile_id: profile.id, reason: 'ACTIVE_AGENTS_BOUND' },
        }),
      ]);
    });

    it('shows the profile as deleting and refuses registrations naming it until the cascade runs', async () => {
      const { workspace, owner, profile } = await team();
      const { token: daemonToken } = await insertDaemonToken(database.db, workspace.id);
      const cascadeWorker = system.workers.cascade;
      await cascadeWorker?.worker.pause();
      try {
        const first = await request(app)
          .delete(profileUrl(workspace.id, profile.id))
          .auth(owner.token, { type: 'bearer' });
        const second = await request(app)
          .delete(profileUrl(workspace.id, profile.id))
          .auth(owner.token, { type: 'bearer' });
        expect(OperationResponse.parse(second.body).operation.id).toBe(
          OperationResponse.parse(first.body).operation.id,
        );

        const read = await request(app)
          .get(profileUrl(workspace.id, profile.id))
          .auth(owner.token, { type: 'bearer' });
        expect(RuntimeProfileJson.parse(read.body).status).toBe('deleting');
        const register = await request(app)
          .post('/api/daemon/register')
          .auth(daemonToken, { type: 'bearer' })
          .send({
            workspace_id: workspace.id,
            daemon_id: 'late',
            runtimes: [{ type: 'codex', profile_id: profile.id }],
          });
        expect(register.status).toBe(409);
        expect(ErrorResponse.parse(register.body).code).toBe('PROFILE_DELETING');
      } finally {
        await cascadeWorker?.worker.resume();
      }
      await eventually(async () => {
        const read = await request(app)
          .get(profileUrl(workspace.id, profile.id))
          .auth(owner.token, { type: 'bearer' });
        expect(read.status).toBe(404);
      });
    });

    it('answers 403 to a plain member even for a missing profile, and 404 for a missing profile', async () => {
      const { workspace, owner, member } = await team();
      const missing = '00000000-0000-4000-8000-000000000000';
      const forbidden = await request(app)
        .delete(profileUrl(workspace.id, missing))
        .auth(member.token, { type: 'bearer' });
      expect(forbidden.status).toBe(403);
      expect(ErrorResponse.parse(forbidden.body).error).toBe(MESSAGES.insufficientPermissions);
      const notFound = await request(app)
        .delete(profileUrl(workspace.id, missing))
        .auth(owner.token, { type: 'bearer' });
      expect(notFound.status).toBe(404);
      expect(ErrorResponse.parse(notFound.body).error).toBe(MESSAGES.profileNotFound);
      const invalid = await request(app)
        .delete(profileUrl(workspace.id, 'nope'))
        .auth(owner.token, { type: 'bearer' });
      expect(invalid.status).toBe(400);
      expect(ErrorResponse.parse(invalid.body).error).toBe(MESSAGES.invalidProfileId);
    });
  });

  describe('the deletion sweeper', () => {
    it('re-enqueues a deletion whose job was lost, and leaves fresh marks alone', async () => {
      const { workspace, profile } = await team();
      const fresh = await insertRuntimeProfile(database.db, workspace.id);
      // A mark set ten minutes ago whose enqueue never happened (a lost enqueue, a wiped Redis).
      await database.dataSource.query(
        `UPDATE runtime_profile SET deletion_requested_at = date_trunc('milliseconds', now()) - interval '10 minutes'
         WHERE id = $1`,
        [profile.id],
      );
      await database.db.cascades.markProfileForDeletion(workspace.id, fresh.id);
      const sut = makeSweepDeletionsHandler({
        db: database.db,
        cascade: system.cascade.producer,
        options: { staleAfterMs: 60_000, batchSize: 100 },
      });

      const outcome = await sut(
        {},
        { jobId: 'sweep', name: 'profile.sweep-deletions', attempt: 1, log },
      );

      expect(outcome).toEqual({ added: 1, retried: 0, live: 0 });
      await eventually(async () => {
        expect(await database.db.profiles.findInWorkspace(workspace.id, profile.id)).toBeNull();
      });
      expect(await database.db.profiles.findInWorkspace(workspace.id, fresh.id)).not.toBeNull();
    });
  });

  describe('DELETE /api/runtimes/:runtimeId', () => {
    it('lets the runtime owner delete it and answers 200 {"status":"ok"} with Prefer: wait', async () => {
      const { workspace, member } = await team();
      const runtime = await insertRuntime(database.db, workspace.id, { ownerId: member.user.id });
      const res = await request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .set('Prefer', 'wait=10')
        .auth(member.token, { type: 'bearer' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
      expect(await database.db.runtimes.findById(runtime.id)).toBeNull();
    });

    it("refuses another member's runtime with 403", async () => {
      const { workspace, member, owner } = await team();
      const runtime = await insertRuntime(database.db, workspace.id, { ownerId: owner.user.id });
      const res = await request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .auth(member.token, { type: 'bearer' });
      expect(res.status).toBe(403);
      expect(ErrorResponse.parse(res.body).error).toBe(MESSAGES.runtimeDeleteForbidden);
    });

    it("keeps upstream's structured conflict for active agents, then deletes once they are archived", async () => {
      const { workspace, owner } = await team();
      const runtime = await insertRuntime(database.db, workspace.id);
      const agent = await insertAgent(database.db, workspace.id, runtime.id);

      const refused = await request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .set('Prefer', 'wait=10')
        .auth(owner.token, { type: 'bearer' });

      expect(refused.status).toBe(409);
      const body = refused.body as Record<string, unknown>;
      expect(body.error).toBe(MESSAGES.runtimeActiveAgents);
      expect(body.code).toBe('runtime_has_active_agents');
      expect(
        AgentJson.array()
          .parse(body.active_agents)
          .map((a) => a.id),
      ).toEqual([agent.id]);

      await database.dataSource.query(`UPDATE agent SET archived_at = now() WHERE id = $1`, [
        agent.id,
      ]);
      const retried = await request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .set('Prefer', 'wait=10')
        .auth(owner.token, { type: 'bearer' });
      expect(retried.status).toBe(200);
      expect(await database.db.agents.findById(agent.id)).toBeNull();
    });

    it('answers 400, 404 and 404 for a bad id, an unknown runtime and a stranger', async () => {
      const { owner, runtime } = await team();
      const stranger = await insertMember(
        database.db,
        (await insertWorkspace(database.db)).id,
        'owner',
      );
      const bad = await request(app)
        .delete('/api/runtimes/nope')
        .auth(owner.token, { type: 'bearer' });
      expect(bad.status).toBe(400);
      expect(ErrorResponse.parse(bad.body).error).toBe(MESSAGES.invalidRuntimeId);
      const unknown = await request(app)
        .delete('/api/runtimes/00000000-0000-4000-8000-000000000000')
        .auth(owner.token, { type: 'bearer' });
      expect(unknown.status).toBe(404);
      expect(ErrorResponse.parse(unknown.body).error).toBe(MESSAGES.runtimeNotFound);
      const foreign = await request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .auth(stranger.token, { type: 'bearer' });
      expect(foreign.status).toBe(404);
    });
  });
});
