import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { type ApiQueues, createApp, DEFAULT_AUTH_OPTIONS } from '@cp/api';
import { createLogger } from '@cp/platform';
import {
  connectRedis,
  createProducer,
  type EventFeed,
  JobOutcomes,
  type Producer,
  type RunningWorker,
  runQueueWorker,
} from '@cp/queue';
import { makeRegistrar, makeRegistryHandlers } from '@cp/registry-worker';
import {
  createTestDatabase,
  createTestQueuePrefix,
  eventually,
  freePort,
  insertDaemonToken,
  insertWorkspace,
  type TestDatabase,
  unused,
} from '@cp/testing';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import {
  createDaemonHost,
  type DaemonHost,
  listen,
  type ListeningApi,
} from './support/daemon-host';

const log = createLogger('daemon-retry-test', 'silent');

/** A throwaway redis-server of this file's own: the shared one on 6379 is never stopped. */
function startRedis(port: number): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
}

async function stopRedis(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) {
    return;
  }
  await new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGKILL');
  });
}

/** One register request as the api answered it. */
interface Answered {
  at: number;
  status: number;
  retryAfter: string | undefined;
}

/**
 * Backoff against a real api: its Redis is a redis-server of this file that the test stops,
 * so registrations get the api's own `503` + `Retry-After`; and an api that is not listening
 * yet, so they get connection errors.
 */
describe('daemon retries', () => {
  const prefix = createTestQueuePrefix();
  let redisPort: number;
  let redisServer: ChildProcess;
  let database: TestDatabase;
  const connections: Redis[] = [];
  let outcomes: JobOutcomes;
  let producer: Producer<'registry'>;
  let worker: RunningWorker;
  let app: Express;
  const answered: Answered[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    redisPort = await freePort();
    redisServer = startRedis(redisPort);
    const url = `redis://127.0.0.1:${redisPort}`;
    const producerConnection = await eventually(() => connectRedis(url, 'producer', log), {
      timeoutMs: 10_000,
    });
    connections.push(producerConnection);
    producer = createProducer('registry', { connection: producerConnection, prefix, log });
    const outcomeConnection = await connectRedis(url, 'worker', log);
    connections.push(outcomeConnection);
    outcomes = new JobOutcomes(producer.queue, outcomeConnection, prefix, log);
    await outcomes.ready();
    worker = await runQueueWorker(
      'registry',
      makeRegistryHandlers({
        registrar: makeRegistrar(
          { db: database.db, log, relay: { kick: () => undefined } },
          { maxBatchSize: 8, maxConcurrentFlushes: 1 },
        ),
      }),
      { redisUrl: url, prefix, concurrency: 4, log },
    );
    const queues: ApiQueues = {
      registry: { producer, outcomes },
      cascade: unused<ApiQueues['cascade']>('the cascade queue'),
    };
    const api = createApp({
      db: database.db,
      log,
      relay: { kick: () => undefined },
      auth: DEFAULT_AUTH_OPTIONS,
      queues,
      feed: unused<EventFeed>('the event feed'),
      registerWaitMs: 5_000,
      probes: {},
      readinessTimeoutMs: 500,
    });
    app = express();
    app.use((req, res, next) => {
      if (req.method === 'POST' && req.path === '/api/daemon/register') {
        const at = Date.now();
        res.on('finish', () =>
          answered.push({ at, status: res.statusCode, retryAfter: res.get('retry-after') }),
        );
      }
      next();
    });
    app.use(api);
  });

  afterAll(async () => {
    await worker?.stop();
    await outcomes?.close();
    for (const connection of connections) {
      connection.disconnect();
    }
    await stopRedis(redisServer);
    await database?.drop();
  });

  let host: DaemonHost;
  let served: ListeningApi | undefined;

  beforeEach(async () => {
    host = await createDaemonHost();
    answered.length = 0;
  });

  afterEach(async () => {
    await served?.close();
    served = undefined;
    await host.remove();
  });

  async function daemonToken() {
    const workspace = await insertWorkspace(database.db);
    const { token } = await insertDaemonToken(database.db, workspace.id);
    return { workspaceId: workspace.id, token };
  }

  it('waits at least Retry-After after a 503 and registers once Redis is back', async () => {
    const { workspaceId, token } = await daemonToken();
    await host.addCli('codex', 'codex 1.2.3');
    served = await listen(app);
    await stopRedis(redisServer);

    const run = host.daemon({ server: served.url, token, workspaceId }).run({ once: true });
    await eventually(() => expect(answered.map((a) => a.status)).toContain(503), {
      timeoutMs: 10_000,
    });
    redisServer = startRedis(redisPort);
    const outcome = await run;

    expect(outcome.response.runtimes).toEqual([expect.objectContaining({ provider: 'codex' })]);
    const retries = host.records.filter((r) => r.event === 'register_retry');
    expect(retries[0]?.fields).toMatchObject({ status: 503, retry_after_ms: 1_000 });
    // Every request that followed a 503 came at least Retry-After (1 s) later.
    answered.forEach((answer, i) => {
      const next = answered[i + 1];
      if (answer.status === 503 && next) {
        expect(answer.retryAfter).toBe('1');
        expect(next.at - answer.at).toBeGreaterThanOrEqual(1_000);
      }
    });
    expect(answered.at(-1)?.status).toBe(200);
  }, 30_000);

  it('backs off on connection errors and registers once the api listens', async () => {
    const { workspaceId, token } = await daemonToken();
    await host.addCli('claude', '2.0.0');
    const port = await freePort();
    const server = new URL(`http://127.0.0.1:${port}`);

    const run = host.daemon({ server, token, workspaceId }).run({ once: true });
    await eventually(() =>
      expect(host.records.find((r) => r.event === 'register_retry')?.fields).toMatchObject({
        reason: expect.stringContaining('ECONNREFUSED') as unknown,
      }),
    );
    const listening = createServer(app);
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    try {
      const outcome = await run;
      expect(outcome.response.runtimes).toEqual([expect.objectContaining({ provider: 'claude' })]);
      expect(host.records.find((r) => r.event === 'profiles_unavailable')).toBeDefined();
    } finally {
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    }
  });
});
