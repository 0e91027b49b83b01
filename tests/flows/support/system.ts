import { type ApiDeps, createApp, DEFAULT_AUTH_OPTIONS } from '@cp/api';
import { makeCascadeHandlers } from '@cp/cascade-worker';
import { createLogger, type Logger } from '@cp/platform';
import {
  type EventFeed,
  EventStream,
  type RunningWorker,
  runQueueWorker,
  startOutboxRelay,
} from '@cp/queue';
import { makeRegistrar, makeRegistryHandlers } from '@cp/registry-worker';
import {
  createTestDatabase,
  createTestApiQueues,
  createTestQueuePrefix,
  createTestRedis,
  idleRelay,
  type TestDatabase,
  type TestQueueAccess,
  testRedisUrl,
  unused,
} from '@cp/testing';
import type { Express } from 'express';
import type { Redis } from 'ioredis';

/** Which parts of the system a flow runs in its own process. */
export interface FlowSystemOptions {
  /** In-process workers to start (none by default). */
  workers?: readonly ('registry' | 'cascade')[];
  /** `live` publishes committed events to the stream; `idle` leaves them in the outbox. */
  relay?: 'live' | 'idle';
  /** Worker concurrency (4 by default). */
  concurrency?: number;
  /** Registrations per transaction and transactions at once (16 and 2 by default). */
  registryBatch?: { maxBatchSize: number; maxConcurrentFlushes: number };
  /** How long a registration waits for its outcome (5 s by default). */
  registerWaitMs?: number;
  /** The workers' logger (silent by default); a test captures their lines with it. */
  workerLog?: Logger;
}

/** The system of one flow test file: its database, queues, workers and api. */
export interface FlowSystem {
  prefix: string;
  database: TestDatabase;
  redis: Redis;
  stream: EventStream;
  /** Publishes every committed event to the stream now (a `live` relay only). */
  publishEvents(): Promise<void>;
  registry: TestQueueAccess<'registry'>;
  cascade: TestQueueAccess<'cascade'>;
  workers: Partial<Record<'registry' | 'cascade', RunningWorker>>;
  app: Express;
  /** Another api over the same system, with some dependencies replaced. */
  buildApp(overrides?: Partial<ApiDeps>): Express;
  stop(): Promise<void>;
}

/**
 * Starts a flow's system in this process: a cloned database, a unique queue prefix, the queues,
 * the chosen workers and an api (not listening; use supertest, or `listen` it yourself).
 */
export async function startFlowSystem(opts: FlowSystemOptions = {}): Promise<FlowSystem> {
  const log = createLogger('flow-test', 'silent');
  const prefix = createTestQueuePrefix();
  const database = await createTestDatabase();
  const redis = await createTestRedis();
  const stream = new EventStream(redis, prefix);
  const queues = await createTestApiQueues(prefix);
  const { registry, cascade } = queues;
  const liveRelay =
    opts.relay === 'live' ? startOutboxRelay({ source: database.db.outbox, stream, log }) : null;
  const relay = liveRelay ?? idleRelay;
  const { db } = database;
  const options = {
    redisUrl: testRedisUrl(),
    prefix,
    concurrency: opts.concurrency ?? 4,
    log: opts.workerLog ?? log,
  };
  const workers: FlowSystem['workers'] = {};
  for (const name of opts.workers ?? []) {
    workers[name] =
      name === 'registry'
        ? await runQueueWorker(
            'registry',
            makeRegistryHandlers({
              registrar: makeRegistrar(
                { db, log, relay },
                opts.registryBatch ?? { maxBatchSize: 16, maxConcurrentFlushes: 2 },
              ),
            }),
            options,
          )
        : await runQueueWorker(
            'cascade',
            makeCascadeHandlers({
              db,
              relay,
              cascade: cascade.producer,
              sweep: { staleAfterMs: 60_000, batchSize: 100 },
            }),
            options,
          );
  }
  const buildApp = (overrides: Partial<ApiDeps> = {}): Express =>
    createApp({
      db,
      log,
      relay,
      auth: DEFAULT_AUTH_OPTIONS,
      queues,
      feed: unused<EventFeed>('the event feed'),
      registerWaitMs: opts.registerWaitMs ?? 5_000,
      probes: {},
      readinessTimeoutMs: 500,
      ...overrides,
    });

  return {
    prefix,
    database,
    redis,
    stream,
    async publishEvents() {
      if (!liveRelay) {
        throw new Error('this flow system has no live relay');
      }
      await liveRelay.drain();
    },
    registry,
    cascade,
    workers,
    app: buildApp(),
    buildApp,
    async stop() {
      for (const worker of Object.values(workers)) {
        await worker.stop();
      }
      await liveRelay?.stop();
      await queues.close();
      redis.disconnect();
      await database.drop();
    },
  };
}
