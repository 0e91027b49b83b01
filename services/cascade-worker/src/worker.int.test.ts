import { createLogger } from '@cp/platform';
import {
  createTestDatabase,
  createTestQueuePrefix,
  createTestRedis,
  removeQueuePrefix,
  type TestDatabase,
  testRedisUrl,
} from '@cp/testing';
import { loadConfig } from './config';
import { startCascadeWorker } from './worker';

describe(startCascadeWorker.name, () => {
  const prefix = createTestQueuePrefix();
  const log = createLogger('test', 'silent');
  let database: TestDatabase;

  /** This file's database, the test Redis, its own prefix, and a free metrics port. */
  const configOf = () =>
    loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      CASCADE_METRICS_PORT: '0',
    });

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 1 });
  });

  afterAll(async () => {
    const redis = await createTestRedis();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  it('consumes the cascade queue until stopped', async () => {
    const sut = await startCascadeWorker(configOf(), log);
    expect(sut.worker.name).toBe('cascade');
    expect(sut.worker.isRunning()).toBe(true);
    await sut.stop();
    expect(sut.worker.isRunning()).toBe(false);
  });

  it('serves /healthz, /readyz and /metrics on its own port until stopped', async () => {
    const sut = await startCascadeWorker(configOf(), log);
    try {
      expect((await fetch(`${sut.opsUrl}/healthz`)).status).toBe(200);
      const ready = await fetch(`${sut.opsUrl}/readyz`);
      expect(await ready.json()).toEqual({
        status: 'ok',
        checks: { postgres: 'ok', redis: 'ok', worker: 'ok' },
      });
      const metrics = await fetch(`${sut.opsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE cp_jobs_total counter');
    } finally {
      await sut.stop();
    }
    await expect(fetch(`${sut.opsUrl}/healthz`)).rejects.toThrow();
  });

  it('opens no port when told not to serve its ops endpoints (npm start)', async () => {
    const sut = await startCascadeWorker(configOf(), log, {
      serveOps: false,
    });
    expect(sut.opsUrl).toBeUndefined();
    await sut.stop();
  });

  it('refuses to start with an unreachable Postgres, naming the URL', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' });
    await expect(startCascadeWorker(config, log)).rejects.toThrow(
      /^cannot reach Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/x/,
    );
  });
});
