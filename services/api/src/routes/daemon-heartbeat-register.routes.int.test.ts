import { randomUUID } from 'node:crypto';
import {
  HeartbeatResponse,
  MESSAGES,
  OperationResponse,
  REGISTER_LIMITS,
  REGISTER_MESSAGES,
} from '@cp/contracts';
import { sqlRows } from '@cp/db';
import {
  createTestDatabase,
  createTestApiQueues,
  createTestQueuePrefix,
  insertDaemonToken,
  insertMember,
  insertRuntime,
  insertRuntimeProfile,
  insertWorkspace,
  type TestApiQueues,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp, errorOf } from '../test-support';

describe('daemon heartbeat and failed profiles', () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let queues: TestApiQueues;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A producer but no worker: a register request is validated, enqueued and answered 202.
    queues = await createTestApiQueues(prefix);
    app = buildTestApp(database.db, { queues });
  });

  afterAll(async () => {
    await queues?.close();
    await database?.drop();
  });

  async function daemonOfNewWorkspace() {
    const workspace = await insertWorkspace(database.db);
    const { token } = await insertDaemonToken(database.db, workspace.id);
    return { workspace, token };
  }

  /** The runtime's `status`, `last_seen_at` and `updated_at`, straight from the table. */
  async function livenessOf(runtimeId: string) {
    const [row] = await sqlRows<{ status: string; last_seen_at: Date | null; updated_at: Date }>(
      database.dataSource.manager,
      `SELECT status, last_seen_at, updated_at FROM agent_runtime WHERE id = $1`,
      [runtimeId],
    );
    if (!row) {
      throw new Error(`runtime ${runtimeId} is gone`);
    }
    return row;
  }

  const beat = (token: string, body: unknown) =>
    request(app)
      .post('/api/daemon/heartbeat')
      .auth(token, { type: 'bearer' })
      .send(body as object);

  describe('POST /api/daemon/heartbeat', () => {
    it("answers 200 ok and marks a runtime of the token's workspace seen now", async () => {
      const { workspace, token } = await daemonOfNewWorkspace();
      const runtime = await insertRuntime(database.db, workspace.id, { status: 'online' });
      await database.dataSource.query(
        `UPDATE agent_runtime SET last_seen_at = now() - interval '1 hour',
                                  updated_at = now() - interval '1 hour' WHERE id = $1`,
        [runtime.id],
      );
      const before = await livenessOf(runtime.id);

      const res = await beat(token, { runtime_id: runtime.id.toUpperCase() });

      expect(res.status).toBe(200);
      expect(HeartbeatResponse.parse(res.body)).toEqual({ status: 'ok' });
      const after = await livenessOf(runtime.id);
      expect(after.last_seen_at?.getTime()).toBeGreaterThan(before.last_seen_at?.getTime() ?? 0);
      // Already online: the hot path leaves updated_at alone.
      expect(after.updated_at).toEqual(before.updated_at);
    });

    it('turns an offline runtime online and then moves updated_at', async () => {
      const { workspace, token } = await daemonOfNewWorkspace();
      const runtime = await insertRuntime(database.db, workspace.id, { status: 'offline' });
      const before = await livenessOf(runtime.id);

      expect((await beat(token, { runtime_id: runtime.id })).status).toBe(200);

      const after = await livenessOf(runtime.id);
      expect(after.status).toBe('online');
      expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
    });

    it('leaves a failed-profile row offline: only a registration that resolves it revives it', async () => {
      const { workspace, token } = await daemonOfNewWorkspace();
      const runtime = await insertRuntime(database.db, workspace.id, {
        status: 'offline',
        metadata: { runtime_profile_registration_error: true },
      });

      expect((await beat(token, { runtime_id: runtime.id })).status).toBe(200);

      expect((await livenessOf(runtime.id)).status).toBe('offline');
    });

    it('answers at once while a cascade holds the row, without waiting for its lock', async () => {
      const { workspace, token } = await daemonOfNewWorkspace();
      const runtime = await insertRuntime(database.db, workspace.id, { status: 'online' });
      const before = await livenessOf(runtime.id);
      const holder = database.dataSource.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        await holder.query('SELECT id FROM agent_runtime WHERE id = $1 FOR UPDATE', [runtime.id]);

        // A beat that waited for the lock would never answer while it is held.
        const res = await beat(token, { runtime_id: runtime.id }).timeout(10_000);

        expect(res.status).toBe(200);
        expect(HeartbeatResponse.parse(res.body).status).toBe('ok');
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }
      expect((await livenessOf(runtime.id)).last_seen_at).toEqual(before.last_seen_at);
    });

    it('answers 404 runtime not found when the row is gone, so the daemon re-registers', async () => {
      const { token } = await daemonOfNewWorkspace();

      const res = await beat(token, { runtime_id: randomUUID() });

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'RUNTIME_NOT_FOUND',
        error: MESSAGES.runtimeNotFound,
      });
    });

    it("answers 404 not found for another workspace's runtime and leaves it untouched", async () => {
      const { token } = await daemonOfNewWorkspace();
      const other = await insertWorkspace(database.db);
      const foreign = await insertRuntime(database.db, other.id, { status: 'offline' });

      const res = await beat(token, { runtime_id: foreign.id });

      expect(errorOf(res)).toEqual({
        status: 404,
        code: 'WORKSPACE_NOT_FOUND',
        error: MESSAGES.notFound,
      });
      expect(await livenessOf(foreign.id)).toMatchObject({ status: 'offline', last_seen_at: null });
    });

    it("accepts a member's personal token for a runtime of their workspace only", async () => {
      const workspace = await insertWorkspace(database.db);
      const member = await insertMember(database.db, workspace.id, 'member');
      const mine = await insertRuntime(database.db, workspace.id);
      const foreign = await insertRuntime(database.db, (await insertWorkspace(database.db)).id);

      expect((await beat(member.token, { runtime_id: mine.id })).status).toBe(200);
      expect(errorOf(await beat(member.token, { runtime_id: foreign.id }))).toMatchObject({
        status: 404,
        error: MESSAGES.notFound,
      });
    });

    it('answers upstream’s 400s for a bad body', async () => {
      const { token } = await daemonOfNewWorkspace();

      expect(errorOf(await beat(token, {}))).toMatchObject({
        status: 400,
        error: MESSAGES.runtimeIdRequired,
      });
      expect(errorOf(await beat(token, { runtime_id: 'rt-1' }))).toMatchObject({
        status: 400,
        error: MESSAGES.invalidRuntimeId,
      });
      const malformed = await request(app)
        .post('/api/daemon/heartbeat')
        .auth(token, { type: 'bearer' })
        .set('Content-Type', 'application/json')
        .send('{');
      expect(errorOf(malformed)).toMatchObject({
        status: 400,
        error: MESSAGES.invalidRequestBody,
      });
    });

    it('answers 401 to a missing or unknown token before reading the body', async () => {
      expect(
        errorOf(await request(app).post('/api/daemon/heartbeat').send({ runtime_id: 'x' })),
      ).toMatchObject({ status: 401, error: MESSAGES.missingAuthorization });
      expect(errorOf(await beat('mdt_nope', { runtime_id: randomUUID() }))).toMatchObject({
        status: 401,
        error: MESSAGES.invalidDaemonToken,
      });
    });
  });

  describe('POST /api/daemon/register with failed_profiles', () => {
    const register = (token: string, body: object) =>
      request(app)
        .post('/api/daemon/register')
        .auth(token, { type: 'bearer' })
        .set('Prefer', 'respond-async')
        .send(body);

    it('enqueues a registration made only of failed profiles, with the failures in the job', async () => {
      const { workspace, token } = await daemonOfNewWorkspace();
      const profile = await insertRuntimeProfile(database.db, workspace.id);

      const res = await register(token, {
        workspace_id: workspace.id,
        daemon_id: 'daemon-failed',
        failed_profiles: [
          { profile_id: profile.id, command_name: 'company-codex', reason: 'not on PATH' },
          { profile_id: '', reason: 'skipped, as upstream skips it' },
        ],
      });

      expect(res.status).toBe(202);
      const { operation } = OperationResponse.parse(res.body);
      const job = await queues.registry.producer.queue.getJob(operation.id);
      expect(job?.data).toMatchObject({
        runtimes: [],
        failedProfiles: [
          { profileId: profile.id, commandName: 'company-codex', reason: 'not on PATH' },
        ],
      });
    });

    it('refuses a request with neither runtimes nor failed profiles with upstream HEAD’s sentence', async () => {
      const { workspace, token } = await daemonOfNewWorkspace();

      const res = await register(token, {
        workspace_id: workspace.id,
        daemon_id: 'd',
        runtimes: [],
        failed_profiles: [],
      });

      expect(errorOf(res)).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        error: 'at least one runtime or failed profile is required',
      });
    });

    it('refuses a malformed failed profile id and too many failed profiles', async () => {
      const { workspace, token } = await daemonOfNewWorkspace();
      const body = (failed: object[]) => ({
        workspace_id: workspace.id,
        daemon_id: 'd',
        runtimes: [{ type: 'codex' }],
        failed_profiles: failed,
      });

      expect(errorOf(await register(token, body([{ profile_id: 'prof-1' }])))).toMatchObject({
        status: 400,
        error: MESSAGES.invalidProfileIdField,
        details: [{ path: 'failed_profiles.0.profile_id', message: 'invalid profile_id' }],
      });
      const many = Array.from({ length: REGISTER_LIMITS.failedProfiles + 1 }, () => ({
        profile_id: randomUUID(),
      }));
      expect(errorOf(await register(token, body(many)))).toMatchObject({
        status: 400,
        error: REGISTER_MESSAGES.tooManyFailedProfiles,
      });
    });
  });
});
