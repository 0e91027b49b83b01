import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { RegisterResponse } from '@cp/contracts';
import {
  childEnv,
  createTestDatabase,
  freePort,
  createTestQueuePrefix,
  createTestRedis,
  eventually,
  insertDaemonToken,
  insertRuntimeProfile,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  testRedisUrl,
} from '@cp/testing';

const root = path.resolve(__dirname, '..', '..');

/** Registration with the api and the registry worker as two real processes (built code). */
describe('registration across processes', () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let api: ChildProcess;
  let worker: ChildProcess;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 2 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = childEnv({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      API_PORT: String(port),
      REGISTRY_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    api = spawn(process.execPath, [path.join(root, 'services/api/dist/main.js')], {
      env,
      stdio: 'ignore',
    });
    worker = spawn(process.execPath, [path.join(root, 'services/registry-worker/dist/main.js')], {
      env,
      stdio: 'ignore',
    });
    await eventually(
      async () => {
        const res = await fetch(`${url}/readyz`);
        expect(res.status).toBe(200);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });

  afterAll(async () => {
    for (const child of [api, worker]) {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
    const redis = await createTestRedis();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  it('registers through the queue, then both processes stop cleanly on SIGTERM', async () => {
    const workspace = await insertWorkspace(database.db);
    const profile = await insertRuntimeProfile(database.db, workspace.id);
    const { token } = await insertDaemonToken(database.db, workspace.id);

    const res = await fetch(`${url}/api/daemon/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        workspace_id: workspace.id,
        daemon_id: 'daemon-proc',
        runtimes: [{ type: 'claude' }, { type: 'codex', profile_id: profile.id }],
      }),
    });

    expect(res.status).toBe(200);
    const body = RegisterResponse.parse(await res.json());
    expect(body.runtimes.map((r) => r.profile_id)).toEqual([null, profile.id]);

    const exits = [once(api, 'exit'), once(worker, 'exit')];
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    const codes = (await Promise.all(exits)).map(([code]) => code as number | null);
    expect(codes).toEqual([0, 0]);
  });
});
