import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { RuntimeRegisterPayload } from '@cp/contracts';
import { createLogger } from '@cp/platform';
import {
  createTestDatabase,
  createTestQueueAccess,
  createTestQueuePrefix,
  createTestRedis,
  eventually,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  type TestQueueAccess,
  testRedisUrl,
} from '@cp/testing';
import { loadConfig } from './config';
import { startRegistryWorker } from './worker';

const log = createLogger('test', 'silent');

/** A registration of one built-in runtime for `workspaceId`. */
const registration = (workspaceId: string): RuntimeRegisterPayload => ({
  workspaceId,
  daemonId: `daemon-${randomUUID()}`,
  legacyDaemonIds: [],
  deviceName: 'laptop',
  cliVersion: '1.0.0',
  launchedBy: '',
  runtimes: [{ name: 'claude', type: 'claude', version: '1', status: 'online', profileId: null }],
  ownerId: null,
  requestId: randomUUID(),
});

describe(startRegistryWorker.name, () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let registry: TestQueueAccess<'registry'>;

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 1 });
    registry = await createTestQueueAccess('registry', prefix);
  });

  afterAll(async () => {
    await registry.close();
    const redis = await createTestRedis();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  const configWith = (env: Record<string, string> = {}) =>
    loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      REGISTRY_METRICS_PORT: '0',
      ...env,
    });

  it('consumes the registry queue until stopped', async () => {
    const sut = await startRegistryWorker(configWith(), log);
    expect(sut.worker.name).toBe('registry');
    expect(sut.worker.isRunning()).toBe(true);
    expect(sut.isTakingJobs()).toBe(true);
    await sut.stop();
    expect(sut.worker.isRunning()).toBe(false);
    expect(sut.isTakingJobs()).toBe(false);
  });

  describe('ops port', () => {
    const token = 'scrape-token-0123456789';

    it('answers /healthz, and /readyz with Postgres, Redis and the worker', async () => {
      const sut = await startRegistryWorker(configWith(), log);
      try {
        const health = await fetch(`${sut.opsUrl}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });

        const ready = await fetch(`${sut.opsUrl}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({
          status: 'ok',
          checks: { postgres: 'ok', redis: 'ok', worker: 'ok' },
        });
      } finally {
        await sut.stop();
      }
    });

    it('serves /metrics only with METRICS_TOKEN when one is set', async () => {
      const sut = await startRegistryWorker(configWith({ METRICS_TOKEN: token }), log);
      try {
        expect((await fetch(`${sut.opsUrl}/metrics`)).status).toBe(401);
        const wrong = await fetch(`${sut.opsUrl}/metrics`, {
          headers: { Authorization: `Bearer ${token}x` },
        });
        expect(wrong.status).toBe(401);

        const res = await fetch(`${sut.opsUrl}/metrics`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await res.text()).toContain('process_cpu_user_seconds_total');
      } finally {
        await sut.stop();
      }
    });

    it('counts jobs by outcome, registration batch sizes and the event relay lag', async () => {
      const sut = await startRegistryWorker(configWith(), log);
      try {
        const workspace = await insertWorkspace(database.db);
        const registered = await registry.producer.enqueue(
          'runtime.register',
          registration(workspace.id),
        );
        const refused = await registry.producer.enqueue(
          'runtime.register',
          registration(randomUUID()),
        );
        expect((await registry.outcomes.wait(registered, 10_000))?.status).toBe('succeeded');
        expect((await registry.outcomes.wait(refused, 10_000))?.status).toBe('failed');

        const labels = 'queue="registry",name="runtime.register"';
        await eventually(async () => {
          const text = await (await fetch(`${sut.opsUrl}/metrics`)).text();
          expect(text).toContain(`cp_jobs_total{${labels},outcome="registered"} 1`);
          expect(text).toContain(`cp_jobs_total{${labels},outcome="refused"} 1`);
          expect(text).toMatch(
            new RegExp(`cp_job_duration_seconds_count\\{${labels},outcome="registered"\\} 1`),
          );
          expect(text).toMatch(/cp_registration_batch_size_count [1-9]/);
          // The registration's runtime.registered event, published by the relay after commit.
          expect(text).toMatch(/cp_event_relay_lag_seconds_count [1-9]/);
        });
      } finally {
        await sut.stop();
      }
    });

    it('refuses to start when its port is taken, naming the variable', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const address = taken.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      try {
        await expect(
          startRegistryWorker(configWith({ REGISTRY_METRICS_PORT: String(port) }), log),
        ).rejects.toThrow(
          `cannot listen on 127.0.0.1:${port} (EADDRINUSE); set REGISTRY_METRICS_PORT`,
        );
      } finally {
        await new Promise<void>((resolve) => taken.close(() => resolve()));
      }
    });
  });

  it('refuses to start with an unreachable Postgres, naming the URL', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' });
    await expect(startRegistryWorker(config, log)).rejects.toThrow(
      /^cannot reach Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/x/,
    );
  });
});
