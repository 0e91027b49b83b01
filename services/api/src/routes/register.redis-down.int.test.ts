import { type ChildProcess, spawn } from 'node:child_process';
import { ErrorResponse, OperationResponse, ReadinessResponse } from '@cp/contracts';
import { createLogger } from '@cp/platform';
import { connectRedis, createProducer, JobOutcomes, pingRedis, type Producer } from '@cp/queue';
import {
  createTestDatabase,
  freePort,
  createTestQueuePrefix,
  eventually,
  insertDaemonToken,
  insertWorkspace,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { buildTestApp } from '../test-support';

const log = createLogger('redis-down-test', 'silent');

/** This file never deletes: the cascade producer must not be touched. */
function cascadeUnused(): Producer<'cascade'> {
  return new Proxy({} as Producer<'cascade'>, {
    get: () => {
      throw new Error('the cascade queue is not used here');
    },
  });
}

/** A throwaway redis-server of this test's own (never the shared one). */
function startRedis(port: number): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
}

async function stopRedis(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) {
    return;
  }
  await new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGKILL');
  });
}

describe('Redis down', () => {
  const prefix = createTestQueuePrefix();
  let port: number;
  let redisServer: ChildProcess;
  let database: TestDatabase;
  let producerConnection: Redis;
  let outcomes: JobOutcomes;
  let app: Express;
  let token: string;
  let workspaceId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    redisServer = startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    producerConnection = await eventually(() => connectRedis(url, 'producer', log), {
      timeoutMs: 10_000,
    });
    const producer = createProducer('registry', { connection: producerConnection, prefix, log });
    outcomes = new JobOutcomes(producer.queue, await connectRedis(url, 'worker', log), prefix, log);
    await outcomes.ready();
    app = buildTestApp(database.db, {
      queues: {
        registry: { producer, outcomes },
        cascade: { producer: cascadeUnused(), outcomes },
      },
      registerWaitMs: 5_000,
      probes: { postgres: () => database.db.ping(), redis: () => pingRedis(producerConnection) },
      readinessTimeoutMs: 500,
    });
    const workspace = await insertWorkspace(database.db);
    workspaceId = workspace.id;
    token = (await insertDaemonToken(database.db, workspace.id)).token;
  });

  afterAll(async () => {
    // Close the clients while their server is still up, so nothing waits for a reconnect.
    await outcomes.close();
    producerConnection.disconnect();
    await stopRedis(redisServer);
    await database.drop();
  });

  const register = () =>
    request(app)
      .post('/api/daemon/register')
      .set('Authorization', `Bearer ${token}`)
      .set('Prefer', 'respond-async')
      .send({
        workspace_id: workspaceId,
        daemon_id: 'daemon-storm',
        runtimes: [{ type: 'codex' }],
      });

  it('answers 503 with Retry-After within a second, turns /readyz 503, and recovers without a restart', async () => {
    expect((await register()).status).toBe(202);

    await stopRedis(redisServer);
    const started = Date.now();
    const down = await register();
    const elapsed = Date.now() - started;

    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(ErrorResponse.parse(down.body).code).toBe('QUEUE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(1_500);
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ReadinessResponse.parse(ready.body).down).toEqual(['redis']);

    redisServer = startRedis(port);
    const back = await eventually(
      async () => {
        const res = await register();
        expect(res.status).toBe(202);
        return res;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(OperationResponse.parse(back.body).operation.status).toBe('queued');
    expect((await request(app).get('/readyz')).status).toBe(200);
  });
});
