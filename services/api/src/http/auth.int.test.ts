import { hashToken } from '@cp/db';
import { MESSAGES, RuntimeProfileJson, RuntimeProfileList } from '@cp/contracts';
import {
  createTestDatabase,
  eventually,
  insertDaemonToken,
  insertMember,
  insertWorkspace,
  type TestDatabase,
  uniqueSuffix,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp, errorOf } from '../test-support';

describe('authentication and authorization', () => {
  let database: TestDatabase;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = buildTestApp(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  /** A workspace with an owner and a plain member. */
  async function insertTeam() {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const member = await insertMember(database.db, workspace.id, 'member');
    const url = `/api/workspaces/${workspace.id}/runtime-profiles`;
    return { workspace, owner, member, url };
  }

  const createBody = () => ({
    display_name: `Company Codex ${uniqueSuffix()}`,
    protocol_family: 'codex',
    command_name: 'company-codex',
  });

  /** The stored token row of a plain token. */
  async function tokenRow(token: string) {
    const row = await database.db.tokens.findByHash(hashToken(token));
    if (!row) {
      throw new Error('token is not stored');
    }
    return row;
  }

  describe('the Authorization header', () => {
    it('answers 401 missing authorization header without one, echoing the request id', async () => {
      const { url } = await insertTeam();
      const requestId = '6f0c7f43-8a9e-4c1d-9b3a-2f6e5d4c3b2a';

      const res = await request(app).get(url).set('X-Request-ID', requestId);

      expect(res.get('x-request-id')).toBe(requestId);
      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.missingAuthorization,
      });
    });

    it.each([['Token mul_abc'], ['bearer mul_abc'], ['mul_abc'], ['Basic dXNlcjpwYXNz']])(
      'answers 401 invalid authorization format to %j',
      async (header) => {
        const { url } = await insertTeam();

        const res = await request(app).get(url).set('Authorization', header);

        expect(errorOf(res)).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
          error: MESSAGES.invalidAuthorizationFormat,
        });
      },
    );

    it.each([['mul_unknown'], ['mdt_unknown'], ['not-a-token']])(
      'answers 401 invalid token to the bearer token %j on a user route',
      async (token) => {
        const { url } = await insertTeam();

        const res = await request(app).get(url).set('Authorization', `Bearer ${token}`);

        expect(errorOf(res)).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
          error: MESSAGES.invalidToken,
        });
      },
    );

    it('answers 401 invalid token to a valid daemon token on a user route', async () => {
      const { workspace, owner, url } = await insertTeam();
      const daemon = await insertDaemonToken(database.db, workspace.id, owner.user.id);

      const res = await request(app).get(url).auth(daemon.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.invalidToken,
      });
    });

    it('answers 401 before parsing the body', async () => {
      const { url } = await insertTeam();

      const res = await request(app)
        .post(url)
        .set('Content-Type', 'application/json')
        .send('{not json');

      expect(errorOf(res)).toMatchObject({ status: 401, error: MESSAGES.missingAuthorization });
    });
  });

  describe('personal tokens', () => {
    it('take the role from each workspace the user belongs to', async () => {
      const a = await insertTeam();
      const b = await insertTeam();
      await database.db.members.upsert(b.workspace.id, a.owner.user.id, 'member');

      const inA = await request(app)
        .post(a.url)
        .auth(a.owner.token, { type: 'bearer' })
        .send(createBody());
      const inB = await request(app)
        .post(b.url)
        .auth(a.owner.token, { type: 'bearer' })
        .send(createBody());

      expect(inA.status).toBe(201);
      expect(RuntimeProfileJson.parse(inA.body).created_by).toBe(a.owner.user.id);
      expect(errorOf(inB)).toMatchObject({ status: 403, error: MESSAGES.insufficientPermissions });
    });

    it('refuse a token revoked before its first use', async () => {
      const { member, url } = await insertTeam();
      await database.db.tokens.revoke((await tokenRow(member.token)).id);

      const res = await request(app).get(url).auth(member.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.invalidToken,
      });
    });

    it('refuse a revoked token once the lookup is no longer cached', async () => {
      const { member, url } = await insertTeam();
      const first = buildTestApp(database.db);
      const before = await request(first).get(url).auth(member.token, { type: 'bearer' });
      await database.db.tokens.revoke((await tokenRow(member.token)).id);

      const after = await request(buildTestApp(database.db))
        .get(url)
        .auth(member.token, { type: 'bearer' });

      expect(before.status).toBe(200);
      expect(errorOf(after)).toMatchObject({ status: 401, error: MESSAGES.invalidToken });
    });

    it('record last_used_at on first use', async () => {
      const { member, url } = await insertTeam();
      expect((await tokenRow(member.token)).lastUsedAt).toBeNull();
      const started = Date.now();

      const res = await request(app).get(url).auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      const lastUsedAt = await eventually(async () => {
        const value = (await tokenRow(member.token)).lastUsedAt;
        expect(value).not.toBeNull();
        return value;
      });
      expect(lastUsedAt?.getTime()).toBeGreaterThanOrEqual(started - 1_000);
    });

    it('record a new use once the last one is more than a minute old', async () => {
      const { member, url } = await insertTeam();
      const { id } = await tokenRow(member.token);
      await database.dataSource.query(
        `UPDATE api_token SET last_used_at = now() - interval '2 minutes' WHERE id = $1`,
        [id],
      );
      const stale = (await tokenRow(member.token)).lastUsedAt?.getTime() ?? NaN;

      await request(app).get(url).auth(member.token, { type: 'bearer' });

      await eventually(async () => {
        expect((await tokenRow(member.token)).lastUsedAt?.getTime()).toBeGreaterThan(
          stale + 60_000,
        );
      });
    });
  });

  describe('daemon tokens', () => {
    it('record last_used_at on first use', async () => {
      const { workspace } = await insertTeam();
      const daemon = await insertDaemonToken(database.db, workspace.id);

      const res = await request(app)
        .get(`/api/daemon/workspaces/${workspace.id}/runtime-profiles`)
        .auth(daemon.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      await eventually(async () => {
        expect((await tokenRow(daemon.token)).lastUsedAt).not.toBeNull();
      });
    });

    it('refuse a revoked daemon token with invalid daemon token', async () => {
      const { workspace } = await insertTeam();
      const daemon = await insertDaemonToken(database.db, workspace.id);
      await database.db.tokens.revoke(daemon.row.id);

      const res = await request(app)
        .get(`/api/daemon/workspaces/${workspace.id}/runtime-profiles`)
        .auth(daemon.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.invalidDaemonToken,
      });
    });

    it('answer invalid token, not invalid daemon token, to a bad personal token', async () => {
      const { workspace } = await insertTeam();

      const res = await request(app)
        .get(`/api/daemon/workspaces/${workspace.id}/runtime-profiles`)
        .auth('mul_unknown', { type: 'bearer' });

      expect(errorOf(res)).toMatchObject({ status: 401, error: MESSAGES.invalidToken });
    });
  });

  describe('order of checks on a workspace route', () => {
    it('checks the token before the workspace id', async () => {
      const res = await request(app)
        .get('/api/workspaces/not-a-uuid/runtime-profiles')
        .auth('mul_unknown', { type: 'bearer' });

      expect(errorOf(res)).toMatchObject({ status: 401, error: MESSAGES.invalidToken });
    });

    it('answers 400 invalid workspace_id for a malformed workspace id', async () => {
      const { owner } = await insertTeam();

      const res = await request(app)
        .get('/api/workspaces/not-a-uuid/runtime-profiles')
        .auth(owner.token, { type: 'bearer' });

      expect(errorOf(res)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: MESSAGES.invalidWorkspaceId,
      });
    });

    it('answers 400 workspace_id or workspace_slug is required for a blank workspace id', async () => {
      const { owner } = await insertTeam();

      const res = await request(app)
        .get('/api/workspaces/%20/runtime-profiles')
        .auth(owner.token, { type: 'bearer' });

      expect(errorOf(res)).toMatchObject({ status: 400, error: MESSAGES.workspaceRequired });
    });

    it('accepts the workspace id in upper case and with surrounding spaces', async () => {
      const { workspace, member } = await insertTeam();

      const res = await request(app)
        .get(`/api/workspaces/%20${workspace.id.toUpperCase()}%20/runtime-profiles`)
        .auth(member.token, { type: 'bearer' });

      expect(res.status).toBe(200);
      RuntimeProfileList.parse(res.body);
    });

    it('answers 404 workspace not found to a non-member before the role check', async () => {
      const { url } = await insertTeam();
      const outsider = await insertTeam();

      const res = await request(app)
        .post(url)
        .auth(outsider.member.token, { type: 'bearer' })
        .send({});

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'WORKSPACE_NOT_FOUND',
        error: MESSAGES.workspaceNotFound,
      });
    });

    it('answers 404 workspace not found for a workspace that does not exist', async () => {
      const { owner } = await insertTeam();

      const res = await request(app)
        .get('/api/workspaces/00000000-0000-4000-8000-000000000000/runtime-profiles')
        .auth(owner.token, { type: 'bearer' });

      expect(errorOf(res)).toMatchObject({ status: 404, error: MESSAGES.workspaceNotFound });
    });

    it('answers 403 to a plain member before the profile id, the profile and the body', async () => {
      const { member, url } = await insertTeam();

      const answers = await Promise.all([
        request(app)
          .post(url)
          .auth(member.token, { type: 'bearer' })
          .send({ fixed_args: [1] }),
        request(app)
          .patch(`${url}/not-a-uuid`)
          .auth(member.token, { type: 'bearer' })
          .send({ display_name: '' }),
        request(app)
          .put(`${url}/00000000-0000-4000-8000-000000000000`)
          .auth(member.token, { type: 'bearer' })
          .send({ enabled: 'no' }),
      ]);

      for (const res of answers) {
        expect(errorOf(res)).toEqual({
          status: 403,
          code: 'FORBIDDEN',
          error: MESSAGES.insufficientPermissions,
        });
      }
    });
  });
});
