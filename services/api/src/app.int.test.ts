import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ErrorResponse, HealthResponse, ReadinessResponse } from '@cp/contracts';
import { createLogger } from '@cp/platform';
import { createRedisConnection, pingRedis } from '@cp/queue';
import {
  childEnv,
  createTestDatabase,
  createTestQueuePrefix,
  createTestRedis,
  removeQueuePrefix,
  type TestDatabase,
  testRedisUrl,
} from '@cp/testing';
import type { Redis } from 'ioredis';
import request from 'supertest';
import type { ApiDeps } from './app';
import { loadConfig } from './config';
import { startApi } from './server';
import { buildTestApp } from './test-support';

const log = createLogger('api-test', 'silent');

describe('api', () => {
  let database: TestDatabase;
  let redis: Redis;
  let deadRedis: Redis;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis('producer');
    // Nothing listens on port 1: a producer connection there fails at once, like Redis down.
    deadRedis = createRedisConnection('redis://127.0.0.1:1', 'producer');
    deadRedis.on('error', () => undefined);
  });

  afterAll(async () => {
    deadRedis.disconnect();
    redis.disconnect();
    await database.drop();
  });

  const appWithProbes = (probes: ApiDeps['probes'], readinessTimeoutMs = 500) =>
    buildTestApp(database.db, { probes, readinessTimeoutMs });
  const appWith = (redisClient: Redis) =>
    appWithProbes({ postgres: () => database.db.ping(), redis: () => pingRedis(redisClient) });

  describe('GET /healthz', () => {
    it('answers 200 while the process is up, even with Redis down', async () => {
      const res = await request(appWith(deadRedis)).get('/healthz');
      expect(res.status).toBe(200);
      expect(HealthResponse.parse(res.body)).toEqual({ status: 'ok' });
    });
  });

  describe('GET /readyz', () => {
    it('answers 200 when Postgres and Redis answer', async () => {
      const res = await request(appWith(redis)).get('/readyz');
      expect(res.status).toBe(200);
      expect(ReadinessResponse.parse(res.body)).toEqual({
        status: 'ok',
        checks: { postgres: 'ok', redis: 'ok' },
      });
    });

    it('answers 503 naming Redis when Redis is down, within its timeout', async () => {
      const started = Date.now();
      const res = await request(appWith(deadRedis)).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      const body = ReadinessResponse.parse(res.body);
      expect(body.down).toEqual(['redis']);
      expect(body.checks.postgres).toBe('ok');
      expect(body.checks.redis).toMatch(/^down: /);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('answers 503 naming Postgres when its probe fails', async () => {
      const app = appWithProbes({
        postgres: () => Promise.reject(new Error('ECONNREFUSED')),
        redis: () => pingRedis(redis),
      });
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(ReadinessResponse.parse(res.body).down).toEqual(['postgres']);
    });

    it('treats a probe that never answers as down after the timeout', async () => {
      const app = appWithProbes({ postgres: () => new Promise<void>(() => undefined) }, 100);
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(ReadinessResponse.parse(res.body).checks.postgres).toBe(
        'down: no answer within 100 ms',
      );
    });
  });

  describe('request ids and errors', () => {
    it('echoes a UUID X-Request-ID and puts it in error bodies', async () => {
      const id = '3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f';
      const res = await request(appWith(redis)).get('/nope').set('X-Request-ID', id);
      expect(res.status).toBe(404);
      expect(res.headers['x-request-id']).toBe(id);
      expect(ErrorResponse.parse(res.body)).toEqual({
        error: 'not found',
        code: 'ROUTE_NOT_FOUND',
        request_id: id,
      });
    });

    it('replaces a request id that is not a UUID', async () => {
      const res = await request(appWith(redis)).get('/healthz').set('X-Request-ID', 'drop table');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe(startApi.name, () => {
    const prefix = createTestQueuePrefix();
    /** This file's database, the test Redis and a queue prefix of its own. */
    const configOn = (port: string) =>
      loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        API_PORT: port,
      });

    afterAll(async () => {
      await removeQueuePrefix(redis, prefix);
    });

    it('refuses to start with an unreachable Redis, naming the URL', async () => {
      const config = loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL: 'redis://127.0.0.1:1',
        API_PORT: '0',
      });
      await expect(startApi(config, log)).rejects.toThrow(
        /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); start it/,
      );
    });

    it('refuses to start with an unreachable Postgres, naming the URL without its password', async () => {
      const config = loadConfig({
        DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/x',
        API_PORT: '0',
      });
      await expect(startApi(config, log)).rejects.toThrow(
        /^cannot reach Postgres at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/x \(ECONNREFUSED\)/,
      );
    });

    it('serves /readyz on a real port and stops cleanly', async () => {
      const sut = await startApi(configOn('0'), log);
      try {
        const res = await fetch(`${sut.url}/readyz`);
        expect(res.status).toBe(200);
      } finally {
        await sut.stop();
      }
      expect(sut.server.listening).toBe(false);
    });

    it('refuses to start on a taken port with one line naming the port and its variable', async () => {
      const first = await startApi(configOn('0'), log);
      try {
        const { port } = new URL(first.url);
        await expect(startApi(configOn(port), log)).rejects.toThrow(
          `cannot listen on 127.0.0.1:${port} (EADDRINUSE); set API_PORT`,
        );
      } finally {
        await first.stop();
      }
    });
  });

  describe('main', () => {
    it('exits 1 with one plain line, no stack trace, when Redis is unreachable', () => {
      const main = path.join(__dirname, '..', 'dist', 'main.js');
      const result = spawnSync(process.execPath, [main], {
        env: childEnv({
          DATABASE_URL: database.url,
          REDIS_URL: 'redis://127.0.0.1:1',
          API_PORT: '0',
        }),
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/),
      ]);
    });

    it('exits 1 listing every bad variable', () => {
      const main = path.join(__dirname, '..', 'dist', 'main.js');
      const result = spawnSync(process.execPath, [main], {
        env: childEnv({ API_PORT: 'eighty', QUEUE_PREFIX: 'cp' }),
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^error: invalid configuration: .*QUEUE_PREFIX.*API_PORT|API_PORT.*QUEUE_PREFIX/,
      );
    });
  });
});
