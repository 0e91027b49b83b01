import { ErrorResponse, MESSAGES, OperationResponse, RegisterResponse } from '@cp/contracts';
import type { RunningWorker } from '@cp/queue';
import {
  eventually,
  insertDaemonToken,
  insertMember,
  insertRuntimeProfile,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { type FlowSystem, startFlowSystem } from './support/system';

describe('POST /api/daemon/register', () => {
  let system: FlowSystem;
  let database: TestDatabase;
  let worker: RunningWorker;
  let app: Express;

  beforeAll(async () => {
    // Events stay in the outbox: this file reads them there, not from the stream.
    system = await startFlowSystem({
      workers: ['registry'],
      concurrency: 64,
      registryBatch: { maxBatchSize: 64, maxConcurrentFlushes: 4 },
    });
    ({ database, app } = system);
    const registry = system.workers.registry;
    if (!registry) {
      throw new Error('the registry worker did not start');
    }
    worker = registry;
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function daemonFixture() {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const { token } = await insertDaemonToken(database.db, workspace.id, owner.user.id);
    const profile = await insertRuntimeProfile(database.db, workspace.id, {
      createdBy: owner.user.id,
    });
    return { workspace, owner, token, profile };
  }

  const body = (workspaceId: string, daemonId: string, runtimes: object[]) => ({
    workspace_id: workspaceId,
    daemon_id: daemonId,
    device_name: 'laptop',
    cli_version: '1.0.0',
    runtimes,
  });

  it('registers a built-in and a custom codex on one daemon and answers 200 with the rows', async () => {
    const { workspace, token, profile } = await daemonFixture();
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .send(
        body(workspace.id, 'daemon-a', [
          { type: 'codex', version: '1.2.3' },
          { type: 'codex', profile_id: profile.id },
        ]),
      );

    expect(res.status).toBe(200);
    const parsed = RegisterResponse.parse(res.body);
    expect(parsed.runtimes.map((r) => [r.provider, r.profile_id])).toEqual([
      ['codex', null],
      ['codex', profile.id],
    ]);
    expect(parsed.runtimes[0]?.owner_id).toBeNull();
    expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([
      expect.objectContaining({
        type: 'runtime.registered',
        actor: { type: 'daemon', id: 'daemon-a' },
        data: { daemon_id: 'daemon-a', runtime_ids: parsed.runtimes.map((r) => r.id) },
      }),
    ]);
  });

  it('sets owner_id when a member registers with a personal token', async () => {
    const { workspace, owner } = await daemonFixture();
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${owner.token}`)
      .send(body(workspace.id, 'daemon-owned', [{ type: 'claude' }]));

    expect(res.status).toBe(200);
    expect(RegisterResponse.parse(res.body).runtimes[0]?.owner_id).toBe(owner.user.id);
    expect(await database.db.outbox.listForWorkspace(workspace.id)).toEqual([
      expect.objectContaining({
        type: 'runtime.registered',
        actor: { type: 'member', id: owner.user.id },
      }),
    ]);
  });

  it.each([
    [{ workspace_id: 'x', runtimes: [{ type: 'codex' }] }, MESSAGES.daemonIdRequired],
    [{ daemon_id: 'd', runtimes: [{ type: 'codex' }] }, MESSAGES.workspaceIdRequired],
    [{ daemon_id: 'd', workspace_id: 'x', runtimes: [] }, MESSAGES.runtimesRequired],
    [
      { daemon_id: 'd', workspace_id: 'not-a-uuid', runtimes: [{ type: 'codex' }] },
      MESSAGES.invalidWorkspaceId,
    ],
    [{ daemon_id: 'd', workspace_id: 'x', runtimes: 'codex' }, MESSAGES.invalidRequestBody],
  ])('answers %j with 400 %s', async (payload, sentence) => {
    const { token } = await daemonFixture();
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .send(payload);
    expect(res.status).toBe(400);
    expect(ErrorResponse.parse(res.body).error).toBe(sentence);
  });

  it('answers 400 invalid profile_id for a malformed profile id, enqueueing nothing', async () => {
    const { workspace, token } = await daemonFixture();
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .send(body(workspace.id, 'daemon-bad', [{ type: 'codex', profile_id: 'nope' }]));
    expect(res.status).toBe(400);
    expect(ErrorResponse.parse(res.body).error).toBe(MESSAGES.invalidProfileIdField);
  });

  it('answers 404 workspace not found to a daemon token of another workspace', async () => {
    const { token } = await daemonFixture();
    const other = await insertWorkspace(database.db);
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .send(body(other.id, 'daemon-x', [{ type: 'codex' }]));
    expect(res.status).toBe(404);
    expect(ErrorResponse.parse(res.body)).toMatchObject({
      error: MESSAGES.workspaceNotFound,
      code: 'WORKSPACE_NOT_FOUND',
    });
  });

  it('passes the worker refusal through with its status, sentence and code', async () => {
    const { workspace, token, profile } = await daemonFixture();
    await database.db.profiles.update(workspace.id, profile.id, { enabled: false });
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .send(
        body(workspace.id, 'daemon-d', [
          { type: 'codex' },
          { type: 'codex', profile_id: profile.id },
        ]),
      );

    expect(res.status).toBe(409);
    expect(ErrorResponse.parse(res.body)).toMatchObject({
      error: MESSAGES.profileDisabled(profile.id),
      code: 'PROFILE_DISABLED',
    });
    expect(await database.db.runtimes.listInWorkspace(workspace.id)).toEqual([]);
  });

  it('answers 202 with Location at once for Prefer: respond-async, and the operation completes', async () => {
    const { workspace, token } = await daemonFixture();
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .set('Prefer', 'respond-async')
      .send(body(workspace.id, 'daemon-async', [{ type: 'codex' }]));

    expect(res.status).toBe(202);
    const { operation } = OperationResponse.parse(res.body);
    expect(res.headers.location).toBe(`/api/operations/${operation.id}`);
    expect(operation).toMatchObject({
      kind: 'runtime.register',
      workspace_id: workspace.id,
      target_id: 'daemon-async',
    });

    const done = await eventually(async () => {
      const poll = await request(app)
        .get(res.headers.location ?? '')
        .set('Authorization', `Bearer ${token}`);
      const parsed = OperationResponse.parse(poll.body);
      expect(parsed.operation.status).toBe('succeeded');
      return parsed.operation;
    });
    expect(RegisterResponse.parse(done.result).runtimes[0]?.daemon_id).toBe('daemon-async');
    expect(done.error).toBeNull();
  });

  it('hides an operation from another workspace and from strangers', async () => {
    const { workspace, token } = await daemonFixture();
    const stranger = await daemonFixture();
    const res = await request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .set('Prefer', 'respond-async')
      .send(body(workspace.id, 'daemon-private', [{ type: 'codex' }]));
    const location = res.headers.location ?? '';

    for (const other of [stranger.token, stranger.owner.token]) {
      const poll = await request(app).get(location).set('Authorization', `Bearer ${other}`);
      expect(poll.status).toBe(404);
      expect(ErrorResponse.parse(poll.body).code).toBe('OPERATION_NOT_FOUND');
    }
    const unknown = await request(app)
      .get('/api/operations/runtime.register.nope')
      .set('Authorization', `Bearer ${token}`);
    expect(unknown.status).toBe(404);
  });

  it('makes identical requests in flight one job', async () => {
    const { workspace, token } = await daemonFixture();
    await worker.worker.pause();
    try {
      const send = () =>
        request(app)
          .post('/api/daemon/register')
          .set('Authorization', `Bearer ${token}`)
          .set('Prefer', 'respond-async')
          .send(body(workspace.id, 'daemon-twice', [{ type: 'codex' }]));
      const [first, second] = await Promise.all([send(), send()]);
      expect(OperationResponse.parse(first.body).operation.id).toBe(
        OperationResponse.parse(second.body).operation.id,
      );
    } finally {
      await worker.worker.resume();
    }
  });

  it('answers 202 when the worker is paused past the wait, and the operation completes on resume', async () => {
    const { workspace, token } = await daemonFixture();
    await worker.worker.pause();
    let location = '';
    try {
      const res = await request(system.buildApp({ registerWaitMs: 200 }))
        .post('/api/daemon/register')
        .set('Authorization', `Bearer ${token}`)
        .send(body(workspace.id, 'daemon-paused', [{ type: 'codex' }]));
      expect(res.status).toBe(202);
      expect(OperationResponse.parse(res.body).operation.status).toBe('queued');
      location = res.headers.location ?? '';
    } finally {
      await worker.worker.resume();
    }
    await eventually(async () => {
      const poll = await request(app).get(location).set('Authorization', `Bearer ${token}`);
      expect(OperationResponse.parse(poll.body).operation.status).toBe('succeeded');
    });
  });

  it('keeps exact row counts under 200 concurrent registrations of 50 daemons', async () => {
    const { workspace, token, profile } = await daemonFixture();
    const sends = Array.from({ length: 200 }, (_, i) =>
      request(app)
        .post('/api/daemon/register')
        .set('Authorization', `Bearer ${token}`)
        .send(
          body(workspace.id, `fleet-${i % 50}`, [
            { type: 'codex' },
            { type: 'claude' },
            { type: 'codex', profile_id: profile.id },
          ]),
        ),
    );
    const results = await Promise.all(sends);

    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 200 }, () => 200));
    const rows = await database.db.runtimes.listInWorkspace(workspace.id);
    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((r) => r.daemonId)).size).toBe(50);
  });
});
