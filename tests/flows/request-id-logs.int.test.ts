import { randomUUID } from 'node:crypto';
import { createLogger } from '@cp/platform';
import {
  eventually,
  insertDaemonToken,
  insertMember,
  insertRuntime,
  insertRuntimeProfile,
  insertWorkspace,
} from '@cp/testing';
import request from 'supertest';
import { type FlowSystem, startFlowSystem } from './support/system';

/** Every JSON line a logger wrote (a pino destination stream). */
class CapturedLines {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];

  write(line: string): void {
    this.raw.push(line);
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }

  /** The lines carrying `requestId`. */
  of(requestId: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line.requestId === requestId);
  }
}

/** One request id from the api's request log into the worker's job log. */
describe('request ids across the api and the workers', () => {
  const logs = new CapturedLines();
  let system: FlowSystem;

  beforeAll(async () => {
    system = await startFlowSystem({
      workers: ['registry', 'cascade'],
      workerLog: createLogger('worker', 'info', logs),
    });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const app = () => system.buildApp({ log: createLogger('api', 'info', logs) });
  const debugApp = () => system.buildApp({ log: createLogger('api', 'debug', logs) });

  it('logs a registration under the request id in the api and in the registry worker', async () => {
    const workspace = await insertWorkspace(system.database.db);
    const { token } = await insertDaemonToken(system.database.db, workspace.id);
    const requestId = randomUUID();

    const res = await request(app())
      .post('/api/daemon/register')
      .set('X-Request-ID', requestId)
      .auth(token, { type: 'bearer' })
      .send({
        workspace_id: workspace.id,
        daemon_id: 'daemon-logs',
        runtimes: [{ type: 'claude' }],
      });
    expect(res.status).toBe(200);

    const lines = await eventually(() => {
      const found = logs.of(requestId);
      expect(found).toContainEqual(
        expect.objectContaining({
          service: 'api',
          msg: 'POST /api/daemon/register 200',
          req: { method: 'POST', path: '/api/daemon/register' },
          res: { statusCode: 200 },
        }),
      );
      expect(found).toContainEqual(
        expect.objectContaining({
          service: 'worker',
          queue: 'registry',
          jobName: 'runtime.register',
          jobId: expect.stringMatching(/^runtime\.register\./) as unknown,
          attempt: 1,
          outcome: 'registered',
          msg: 'job done',
        }),
      );
      return found;
    });
    // Ids, not secrets: no line carries the token, a header or a body.
    for (const line of logs.raw) {
      expect(line).not.toContain(token);
    }
    expect(lines.map((line) => JSON.stringify(line)).join('\n')).not.toMatch(
      /"headers"|authorization|"body"/i,
    );
  });

  it('logs a deletion under the request id in the api and in the cascade worker', async () => {
    const workspace = await insertWorkspace(system.database.db);
    const owner = await insertMember(system.database.db, workspace.id, 'owner');
    const profile = await insertRuntimeProfile(system.database.db, workspace.id);
    const requestId = randomUUID();

    const res = await request(app())
      .delete(`/api/workspaces/${workspace.id}/runtime-profiles/${profile.id}`)
      .set('X-Request-ID', requestId)
      .set('Cookie', 'cp_admin_session=not-for-logs')
      .auth(owner.token, { type: 'bearer' });
    expect(res.status).toBe(202);

    await eventually(() => {
      const found = logs.of(requestId);
      expect(found).toContainEqual(
        expect.objectContaining({ service: 'api', res: { statusCode: 202 } }),
      );
      expect(found).toContainEqual(
        expect.objectContaining({
          service: 'worker',
          queue: 'cascade',
          jobName: 'profile.delete',
          outcome: 'deleted',
        }),
      );
    });
    for (const line of logs.raw) {
      expect(line).not.toContain(owner.token);
      expect(line).not.toContain('not-for-logs');
    }
  });

  it('logs answered heartbeats at debug and a gone runtime at info', async () => {
    const workspace = await insertWorkspace(system.database.db);
    const { token } = await insertDaemonToken(system.database.db, workspace.id);
    const runtime = await insertRuntime(system.database.db, workspace.id);
    const beat = async (runtimeId: string, status: number): Promise<string> => {
      const requestId = randomUUID();
      const res = await request(debugApp())
        .post('/api/daemon/heartbeat')
        .set('X-Request-ID', requestId)
        .auth(token, { type: 'bearer' })
        .send({ runtime_id: runtimeId });
      expect(res.status).toBe(status);
      return requestId;
    };

    const alive = await beat(runtime.id, 200);
    const gone = await beat(randomUUID(), 404);

    const levelOf = (requestId: string) =>
      logs.of(requestId).find((line) => line.service === 'api' && 'res' in line)?.level;
    await eventually(() => {
      expect(levelOf(alive)).toBe(20);
      expect(levelOf(gone)).toBe(30);
    });
  });
});
