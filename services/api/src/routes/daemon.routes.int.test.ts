import { DaemonRuntimeProfileList, MESSAGES } from '@cp/contracts';
import {
  createTestDatabase,
  insertDaemonToken,
  insertMember,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp, errorOf } from '../test-support';

describe('daemon routes', () => {
  let database: TestDatabase;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = buildTestApp(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  /** A workspace with an owner, an admin, a plain member and a daemon token issued to the owner. */
  async function insertTeam() {
    const { db } = database;
    const workspace = await insertWorkspace(db);
    const owner = await insertMember(db, workspace.id, 'owner');
    const admin = await insertMember(db, workspace.id, 'admin');
    const member = await insertMember(db, workspace.id, 'member');
    const daemon = await insertDaemonToken(db, workspace.id, owner.user.id);
    return { workspace, owner, admin, member, daemon };
  }

  const profilesUrl = (workspaceId: string) =>
    `/api/daemon/workspaces/${workspaceId}/runtime-profiles`;

  /** Sets a profile's created_at, to order profiles independently of insertion. */
  async function setCreatedAt(profileId: string, sql: string): Promise<void> {
    await database.dataSource.query(
      `UPDATE runtime_profile SET created_at = ${sql} WHERE id = $1`,
      [profileId],
    );
  }

  describe('GET /api/daemon/workspaces/:workspaceId/runtime-profiles', () => {
    it('lists only the enabled profiles, oldest first, to a daemon token of the workspace', async () => {
      const { workspace, daemon } = await insertTeam();
      const newer = await insertRuntimeProfile(database.db, workspace.id, { fixedArgs: ['--x'] });
      await insertRuntimeProfile(database.db, workspace.id, { enabled: false });
      const older = await insertRuntimeProfile(database.db, workspace.id);
      await setCreatedAt(older.id, `now() - interval '1 hour'`);

      const res = await request(app)
        .get(profilesUrl(workspace.id))
        .auth(daemon.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      const body = DaemonRuntimeProfileList.parse(res.body);
      expect(body.workspace_id).toBe(workspace.id);
      expect(body.runtime_profiles.map((p) => p.id)).toEqual([older.id, newer.id]);
      expect(body.runtime_profiles[1]).toMatchObject({
        workspace_id: workspace.id,
        display_name: newer.displayName,
        protocol_family: 'codex',
        command_name: 'company-codex',
        fixed_args: ['--x'],
        enabled: true,
        status: 'active',
      });
    });

    it('answers an empty list when the workspace has no enabled profile', async () => {
      const { workspace, daemon } = await insertTeam();
      await insertRuntimeProfile(database.db, workspace.id, { enabled: false });

      const res = await request(app)
        .get(profilesUrl(workspace.id))
        .auth(daemon.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(DaemonRuntimeProfileList.parse(res.body)).toEqual({
        workspace_id: workspace.id,
        runtime_profiles: [],
      });
    });

    it('echoes the workspace id as given, trimmed', async () => {
      const { workspace, daemon } = await insertTeam();
      const profile = await insertRuntimeProfile(database.db, workspace.id);

      const res = await request(app)
        .get(profilesUrl(`%20${workspace.id}%20`))
        .auth(daemon.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(DaemonRuntimeProfileList.parse(res.body)).toEqual({
        workspace_id: workspace.id,
        runtime_profiles: [expect.objectContaining({ id: profile.id })],
      });
    });

    it('echoes the workspace id in the case a member gave it', async () => {
      const { workspace, member } = await insertTeam();
      const upper = workspace.id.toUpperCase();

      const res = await request(app).get(profilesUrl(upper)).auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(DaemonRuntimeProfileList.parse(res.body).workspace_id).toBe(upper);
    });

    it('omits a profile whose deletion is pending, since registering it would be refused', async () => {
      const { workspace, daemon } = await insertTeam();
      const kept = await insertRuntimeProfile(database.db, workspace.id);
      const deleting = await insertRuntimeProfile(database.db, workspace.id);
      await database.dataSource.query(
        `UPDATE runtime_profile SET deletion_requested_at = now() WHERE id = $1`,
        [deleting.id],
      );

      const res = await request(app)
        .get(profilesUrl(workspace.id))
        .auth(daemon.token, { type: 'bearer' });

      expect(DaemonRuntimeProfileList.parse(res.body).runtime_profiles.map((p) => p.id)).toEqual([
        kept.id,
      ]);
    });

    it('lets a plain member list with a personal token', async () => {
      const { workspace, member } = await insertTeam();
      const profile = await insertRuntimeProfile(database.db, workspace.id);

      const res = await request(app)
        .get(profilesUrl(workspace.id))
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      expect(DaemonRuntimeProfileList.parse(res.body).runtime_profiles.map((p) => p.id)).toEqual([
        profile.id,
      ]);
    });

    describe('workspace access', () => {
      it('answers 404 not found to a daemon token of another workspace', async () => {
        const a = await insertTeam();
        const b = await insertTeam();
        await insertRuntimeProfile(database.db, b.workspace.id);

        const res = await request(app)
          .get(profilesUrl(b.workspace.id))
          .auth(a.daemon.token, { type: 'bearer' });

        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'WORKSPACE_NOT_FOUND',
          error: MESSAGES.notFound,
        });
      });

      it('answers 404 not found to a personal token of a non-member', async () => {
        const { workspace } = await insertTeam();
        const outsider = await insertTeam();

        const res = await request(app)
          .get(profilesUrl(workspace.id))
          .auth(outsider.owner.token, { type: 'bearer' });

        expect(errorOf(res)).toEqual({
          status: 404,
          code: 'WORKSPACE_NOT_FOUND',
          error: MESSAGES.notFound,
        });
      });

      it('compares a daemon token’s workspace with the path exactly', async () => {
        const { workspace, daemon } = await insertTeam();

        const res = await request(app)
          .get(profilesUrl(workspace.id.toUpperCase()))
          .auth(daemon.token, { type: 'bearer' });

        expect(errorOf(res)).toMatchObject({ status: 404, error: MESSAGES.notFound });
      });

      it.each([['not-a-uuid'], ['%20']])(
        'answers 404 not found for the workspace id %j, before any uuid check',
        async (workspaceId) => {
          const { daemon, member } = await insertTeam();

          const byDaemon = await request(app)
            .get(profilesUrl(workspaceId))
            .auth(daemon.token, { type: 'bearer' });
          const byMember = await request(app)
            .get(profilesUrl(workspaceId))
            .auth(member.token, { type: 'bearer' });

          for (const res of [byDaemon, byMember]) {
            expect(errorOf(res)).toEqual({
              status: 404,
              code: 'WORKSPACE_NOT_FOUND',
              error: MESSAGES.notFound,
            });
          }
        },
      );
    });

    describe('authentication', () => {
      it('answers 401 missing authorization header without a token', async () => {
        const { workspace } = await insertTeam();

        const res = await request(app).get(profilesUrl(workspace.id));

        expect(errorOf(res)).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
          error: MESSAGES.missingAuthorization,
        });
      });

      it('answers 401 invalid daemon token to an unknown daemon token', async () => {
        const { workspace } = await insertTeam();

        const res = await request(app)
          .get(profilesUrl(workspace.id))
          .auth('mdt_unknown', { type: 'bearer' });

        expect(errorOf(res)).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
          error: MESSAGES.invalidDaemonToken,
        });
      });

      it('answers 401 invalid daemon token to a revoked daemon token', async () => {
        const { workspace, daemon } = await insertTeam();
        await database.db.tokens.revoke(daemon.row.id);

        const res = await request(app)
          .get(profilesUrl(workspace.id))
          .auth(daemon.token, { type: 'bearer' });

        expect(errorOf(res)).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
          error: MESSAGES.invalidDaemonToken,
        });
      });

      it.each([['mul_unknown'], ['not-a-token']])(
        'answers 401 invalid token to the bad token %j',
        async (token) => {
          const { workspace } = await insertTeam();

          const res = await request(app)
            .get(profilesUrl(workspace.id))
            .auth(token, { type: 'bearer' });

          expect(errorOf(res)).toEqual({
            status: 401,
            code: 'UNAUTHENTICATED',
            error: MESSAGES.invalidToken,
          });
        },
      );
    });

    describe('visibility of a private profile', () => {
      type Viewer =
        | "the creator's daemon token"
        | "another member's daemon token"
        | 'a daemon token without a creator'
        | "the creator's personal token"
        | "another member's personal token"
        | "an admin's personal token"
        | "the owner's personal token";

      it.each<[Viewer, boolean]>([
        ["the creator's daemon token", true],
        ["another member's daemon token", false],
        ['a daemon token without a creator', false],
        ["the creator's personal token", true],
        ["another member's personal token", false],
        ["an admin's personal token", true],
        ["the owner's personal token", true],
      ])('%s: sees it = %s', async (viewer, sees) => {
        const { db } = database;
        const team = await insertTeam();
        const creator = await insertMember(db, team.workspace.id, 'member');
        const tokens: Record<Viewer, string> = {
          "the creator's daemon token": (
            await insertDaemonToken(db, team.workspace.id, creator.user.id)
          ).token,
          "another member's daemon token": (
            await insertDaemonToken(db, team.workspace.id, team.member.user.id)
          ).token,
          'a daemon token without a creator': (await insertDaemonToken(db, team.workspace.id))
            .token,
          "the creator's personal token": creator.token,
          "another member's personal token": team.member.token,
          "an admin's personal token": team.admin.token,
          "the owner's personal token": team.owner.token,
        };
        const shared = await insertRuntimeProfile(db, team.workspace.id, {
          createdBy: creator.user.id,
        });
        const hidden = await insertRuntimeProfile(db, team.workspace.id, {
          createdBy: creator.user.id,
          visibility: 'private',
        });
        await insertRuntimeProfile(db, team.workspace.id, {
          createdBy: creator.user.id,
          visibility: 'private',
          enabled: false,
        });

        const res = await request(app)
          .get(profilesUrl(team.workspace.id))
          .auth(tokens[viewer], { type: 'bearer' });

        expect(res.status).toBe(200);
        const listed = DaemonRuntimeProfileList.parse(res.body).runtime_profiles.map((p) => p.id);
        expect(listed.sort()).toEqual((sees ? [shared.id, hidden.id] : [shared.id]).sort());
      });

      it('hides a private profile without a creator from every daemon token', async () => {
        const { workspace, daemon, owner } = await insertTeam();
        const orphan = await insertRuntimeProfile(database.db, workspace.id, {
          visibility: 'private',
          createdBy: null,
        });

        const byDaemon = await request(app)
          .get(profilesUrl(workspace.id))
          .auth(daemon.token, { type: 'bearer' });
        const byOwner = await request(app)
          .get(profilesUrl(workspace.id))
          .auth(owner.token, { type: 'bearer' });

        expect(DaemonRuntimeProfileList.parse(byDaemon.body).runtime_profiles).toEqual([]);
        expect(
          DaemonRuntimeProfileList.parse(byOwner.body).runtime_profiles.map((p) => p.id),
        ).toEqual([orphan.id]);
      });
    });
  });
});
