import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { ReadinessResponse } from '@cp/contracts';
import {
  childEnv,
  createTestDatabase,
  createTestQueuePrefix,
  createTestRedis,
  eventually,
  freePort,
  removeQueuePrefix,
  type TestDatabase,
  testRedisUrl,
} from '@cp/testing';

const root = path.resolve(__dirname, '..', '..');

/** `npm start`'s process (the built `services/combined`): one registry, one port. */
describe('npm start (combined process) ops surface', () => {
  const prefix = createTestQueuePrefix();
  const token = 'combined-scrape-token-0123';
  let database: TestDatabase;
  let child: ChildProcess;
  let url: string;
  let workerPorts: number[];

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 1 });
    const port = await freePort();
    workerPorts = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [path.join(root, 'services/combined/dist/main.js')], {
      env: childEnv({
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        API_PORT: String(port),
        REGISTRY_METRICS_PORT: String(workerPorts[0]),
        CASCADE_METRICS_PORT: String(workerPorts[1]),
        METRICS_TOKEN: token,
        LOG_LEVEL: 'warn',
      }),
      stdio: 'ignore',
    });
    await eventually(
      async () => {
        expect((await fetch(`${url}/readyz`)).status).toBe(200);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    const redis = await createTestRedis();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  it("folds both workers into the api's /readyz", async () => {
    const res = await fetch(`${url}/readyz`);
    expect(ReadinessResponse.parse(await res.json())).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', 'registry-worker': 'ok', 'cascade-worker': 'ok' },
    });
  });

  it("serves one registry on the api's /metrics: api, queue and job metrics, process metrics once", async () => {
    const res = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const family of [
      'cp_http_request_duration_seconds',
      'cp_queue_jobs',
      'cp_jobs_total',
      'cp_job_duration_seconds',
      'cp_registration_batch_size',
      'cp_event_relay_lag_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      expect(text.split('\n').filter((line) => line.startsWith(`# TYPE ${family} `))).toHaveLength(
        1,
      );
    }
  });

  it('opens no worker port', async () => {
    for (const port of workerPorts) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exit = once(child, 'exit').then(([code]) => code as number | null);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
