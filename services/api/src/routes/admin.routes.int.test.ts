import { MESSAGES } from '@cp/contracts';
import {
  createTestDatabase,
  createTestApiQueues,
  createTestQueuePrefix,
  insertDaemonToken,
  insertOperator,
  insertWorkspace,
  type TestApiQueues,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { type ApiOps, ephemeralOps } from '../app';
import { createAdminSessions, SESSION_COOKIE } from '../http/session';
import { buildTestApp, errorOf } from '../test-support';

describe('admin routes', () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let queues: TestApiQueues;
  let ops: ApiOps;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    queues = await createTestApiQueues(prefix);
    ops = ephemeralOps();
    app = appWith(ops);
  });

  afterAll(async () => {
    await queues.close();
    await database.drop();
  });

  const appWith = (appOps: ApiOps): Express => buildTestApp(database.db, { queues, ops: appOps });

  /** Logs in with a bearer token; answers the response and the session cookie it set. */
  async function login(token: string, target: Express = app) {
    const res = await request(target).post('/admin/login').auth(token, { type: 'bearer' });
    const cookie = [res.get('set-cookie') ?? []].flat()[0] ?? '';
    return { res, cookie: cookie.split(';')[0] ?? '' };
  }

  describe('GET /admin/login', () => {
    it('serves a sign-in form that posts the token', async () => {
      const res = await request(app).get('/admin/login');
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/html');
      expect(res.get('cache-control')).toBe('no-store');
      expect(res.text).toContain('<form method="post" action="/admin/login">');
      expect(res.text).toContain('name="token" type="password"');
    });
  });

  describe('POST /admin/login', () => {
    it('sets an HttpOnly, SameSite=Strict, expiring session cookie for an operator', async () => {
      const { token } = await insertOperator(database.db);
      const { res } = await login(token);
      expect(res.status).toBe(204);
      const [cookie] = [res.get('set-cookie') ?? []].flat();
      expect(cookie).toMatch(
        new RegExp(
          `^${SESSION_COOKIE}=v1\\.[^;]+; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict$`,
        ),
      );
      expect(cookie).not.toContain(token);
    });

    it('takes the token from a JSON body', async () => {
      const { token } = await insertOperator(database.db);
      const res = await request(app).post('/admin/login').send({ token });
      expect(res.status).toBe(204);
      expect(res.get('set-cookie')).toHaveLength(1);
    });

    it('takes the token from a form and sends the browser to the dashboard', async () => {
      const { token } = await insertOperator(database.db);
      const res = await request(app).post('/admin/login').type('form').send({ token });
      expect(res.status).toBe(303);
      expect(res.get('location')).toBe('/admin/queues');
      expect(res.get('set-cookie')).toHaveLength(1);
    });

    it('answers 401 without a token', async () => {
      const res = await request(app).post('/admin/login');
      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.missingAuthorization,
      });
      expect(res.get('set-cookie')).toBeUndefined();
    });

    it('answers 401 to an unknown token and to a daemon token', async () => {
      const workspace = await insertWorkspace(database.db);
      const daemon = await insertDaemonToken(database.db, workspace.id);
      for (const token of ['mul_not-a-token', daemon.token]) {
        const { res } = await login(token);
        expect(errorOf(res)).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
          error: MESSAGES.invalidToken,
        });
        expect(res.get('set-cookie')).toBeUndefined();
      }
    });

    it('answers 403 to a user who is not an operator', async () => {
      const { token } = await insertOperator(database.db, { isOperator: false });
      const { res } = await login(token);
      expect(errorOf(res)).toEqual({
        status: 403,
        code: 'FORBIDDEN',
        error: MESSAGES.insufficientPermissions,
      });
      expect(res.get('set-cookie')).toBeUndefined();
    });
  });

  describe('/admin/queues', () => {
    it('serves the dashboard with the session cookie', async () => {
      const { token } = await insertOperator(database.db);
      const { cookie } = await login(token);

      const page = await request(app).get('/admin/queues').set('Cookie', cookie);
      expect(page.status).toBe(200);
      expect(page.type).toBe('text/html');

      const api = await request(app).get('/admin/queues/api/queues').set('Cookie', cookie);
      expect(api.status).toBe(200);
      const shown = (api.body as { queues: { name: string }[] }).queues;
      expect(shown.map((queue) => queue.name).sort()).toEqual(['cascade', 'registry']);
    });

    it("serves it to an operator's bearer token", async () => {
      const { token } = await insertOperator(database.db);
      const res = await request(app).get('/admin/queues').auth(token, { type: 'bearer' });
      expect(res.status).toBe(200);
    });

    it('refuses it without a session (401), to a forged one (401) and to a non-operator (403)', async () => {
      expect(errorOf(await request(app).get('/admin/queues'))).toMatchObject({ status: 401 });
      const forged = `${SESSION_COOKIE}=v1.00000000-0000-4000-8000-000000000000.00000000-0000-4000-8000-000000000000.99999999999.AAAA`;
      expect(errorOf(await request(app).get('/admin/queues').set('Cookie', forged))).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.missingAuthorization,
      });
      const { token } = await insertOperator(database.db, { isOperator: false });
      const res = await request(app)
        .get('/admin/queues/api/queues')
        .auth(token, { type: 'bearer' });
      expect(errorOf(res)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    });

    it('refuses an expired session', async () => {
      const { user, tokenId } = await insertOperator(database.db);
      const sessions = createAdminSessions({ secret: ops.sessionSecret, ttlMs: ops.sessionTtlMs });
      const expired = sessions.issue(
        { userId: user.id, tokenId },
        Date.now() - ops.sessionTtlMs - 1_000,
      );
      const res = await request(app)
        .get('/admin/queues')
        .set('Cookie', `${SESSION_COOKIE}=${expired}`);
      expect(errorOf(res)).toMatchObject({ status: 401 });
    });

    it('ends the sessions of a login token once that token is revoked', async () => {
      const { token, tokenId } = await insertOperator(database.db);
      const { cookie } = await login(token);
      await database.db.tokens.revoke(tokenId);

      const res = await request(app).get('/admin/queues').set('Cookie', cookie);

      expect(errorOf(res)).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
        error: MESSAGES.invalidToken,
      });
    });

    it('keeps a session valid across a restart with the same secret, not with another', async () => {
      const { token } = await insertOperator(database.db);
      const { cookie } = await login(token);

      const restarted = appWith({ ...ephemeralOps(), sessionSecret: ops.sessionSecret });
      expect((await request(restarted).get('/admin/queues').set('Cookie', cookie)).status).toBe(
        200,
      );
      const rotated = appWith(ephemeralOps());
      expect((await request(rotated).get('/admin/queues').set('Cookie', cookie)).status).toBe(401);
    });
  });

  describe('POST /admin/logout', () => {
    it('clears the session cookie', async () => {
      const res = await request(app).post('/admin/logout');
      expect(res.status).toBe(204);
      expect(res.get('set-cookie')).toEqual([
        `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`,
      ]);
    });
  });
});
