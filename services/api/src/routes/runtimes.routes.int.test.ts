import { AgentRuntimeList, MESSAGES, toTimestamp } from '@cp/contracts';
import {
  createTestDatabase,
  insertDaemonToken,
  insertMember,
  insertRuntime,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp, errorOf } from '../test-support';

describe('runtime routes', () => {
  let database: TestDatabase;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = buildTestApp(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  /** A workspace and a plain member of it. */
  async function insertMemberOfNewWorkspace() {
    const workspace = await insertWorkspace(database.db);
    const member = await insertMember(database.db, workspace.id, 'member');
    return { workspace, member };
  }

  describe('GET /api/runtimes', () => {
    it('lists built-in and custom runtimes of the workspace, oldest first, as a bare array', async () => {
      const { workspace, member } = await insertMemberOfNewWorkspace();
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      const custom = await insertRuntime(database.db, workspace.id, {
        name: profile.displayName,
        provider: 'codex',
        profileId: profile.id,
        metadata: { version: '1.2.3' },
        lastSeenAt: new Date('2026-01-02T03:04:05.678Z'),
      });
      const builtIn = await insertRuntime(database.db, workspace.id, {
        provider: 'claude',
        name: 'Claude',
        ownerId: member.user.id,
      });
      await database.dataSource.query(
        `UPDATE agent_runtime SET created_at = now() - interval '1 hour' WHERE id = $1`,
        [builtIn.id],
      );

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: workspace.id })
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      const body = AgentRuntimeList.parse(res.body);
      const stored = await database.db.runtimes.findById(custom.id);
      if (!stored) {
        throw new Error('the custom runtime is not stored');
      }
      expect(body.map((r) => r.id)).toEqual([builtIn.id, custom.id]);
      expect(body[0]).toMatchObject({
        provider: 'claude',
        launch_header: 'claude (stream-json)',
        profile_id: null,
        owner_id: member.user.id,
        last_seen_at: null,
      });
      expect(body[1]).toEqual({
        id: custom.id,
        workspace_id: workspace.id,
        daemon_id: custom.daemonId,
        name: profile.displayName,
        runtime_mode: 'local',
        provider: 'codex',
        launch_header: 'codex app-server',
        status: 'online',
        device_info: '',
        metadata: { version: '1.2.3' },
        owner_id: null,
        visibility: 'private',
        profile_id: profile.id,
        last_seen_at: '2026-01-02T03:04:05Z',
        created_at: toTimestamp(stored.createdAt),
        updated_at: toTimestamp(stored.updatedAt),
      });
    });

    it('answers an empty array for a workspace without runtimes', async () => {
      const { workspace, member } = await insertMemberOfNewWorkspace();

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: workspace.id })
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(AgentRuntimeList.parse(res.body)).toEqual([]);
    });

    it("never lists another workspace's runtimes", async () => {
      const { workspace, member } = await insertMemberOfNewWorkspace();
      const other = await insertWorkspace(database.db);
      const own = await insertRuntime(database.db, workspace.id);
      await insertRuntime(database.db, other.id);

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: workspace.id })
        .auth(member.token, { type: 'bearer' });

      expect(AgentRuntimeList.parse(res.body).map((r) => r.id)).toEqual([own.id]);
    });

    it('takes the workspace from the X-Workspace-ID header', async () => {
      const { workspace, member } = await insertMemberOfNewWorkspace();
      const runtime = await insertRuntime(database.db, workspace.id);

      const res = await request(app)
        .get('/api/runtimes')
        .set('X-Workspace-ID', workspace.id)
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(AgentRuntimeList.parse(res.body).map((r) => r.id)).toEqual([runtime.id]);
    });

    it('lists only the caller’s runtimes with owner=me', async () => {
      const { workspace, member } = await insertMemberOfNewWorkspace();
      const colleague = await insertMember(database.db, workspace.id, 'admin');
      const mine = await insertRuntime(database.db, workspace.id, { ownerId: member.user.id });
      await insertRuntime(database.db, workspace.id, { ownerId: colleague.user.id });
      await insertRuntime(database.db, workspace.id, { ownerId: null });

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: workspace.id, owner: 'me' })
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(AgentRuntimeList.parse(res.body).map((r) => r.id)).toEqual([mine.id]);
    });

    it('answers 400 workspace_id or workspace_slug is required without a workspace', async () => {
      const { member } = await insertMemberOfNewWorkspace();

      const res = await request(app).get('/api/runtimes').auth(member.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: MESSAGES.workspaceRequired,
      });
    });

    it('answers 400 invalid workspace_id for a malformed workspace id', async () => {
      const { member } = await insertMemberOfNewWorkspace();

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: 'ws-1' })
        .auth(member.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: MESSAGES.invalidWorkspaceId,
      });
    });

    it('answers 404 workspace not found to a non-member', async () => {
      const { workspace } = await insertMemberOfNewWorkspace();
      const outsider = await insertMemberOfNewWorkspace();
      await insertRuntime(database.db, workspace.id);

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: workspace.id })
        .auth(outsider.member.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'WORKSPACE_NOT_FOUND',
        error: MESSAGES.workspaceNotFound,
      });
    });

    it('answers 401 invalid token to a daemon token', async () => {
      const { workspace } = await insertMemberOfNewWorkspace();
      const daemon = await insertDaemonToken(database.db, workspace.id);

      const res = await request(app)
        .get('/api/runtimes')
        .query({ workspace_id: workspace.id })
        .auth(daemon.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.invalidToken,
      });
    });

    it('answers 401 before looking at the workspace', async () => {
      const res = await request(app).get('/api/runtimes').query({ workspace_id: 'ws-1' });

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.missingAuthorization,
      });
    });
  });
});
