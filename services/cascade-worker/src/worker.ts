import { connectDataSource, createDb, type Db } from '@cp/db';
import { createCloser, createLogger, createMetricsRegistry, type Logger } from '@cp/platform';
import {
  connectRedis,
  createProducer,
  createRelayLagMetric,
  EventStream,
  type OutboxRelay,
  pingRedis,
  type Producer,
  type QueueHandlers,
  type RunningWorkerProcess,
  runQueueWorker,
  serveWorkerOps,
  startOutboxRelay,
  type WorkerProcessOptions,
} from '@cp/queue';
import type { CascadeWorkerConfig } from './config';
import { makeProfileDeleteHandler } from './handlers/profile-delete.handler';
import { makeRuntimeDeleteHandler } from './handlers/runtime-delete.handler';
import { makeSweepDeletionsHandler, type SweepOptions } from './handlers/sweep-deletions.handler';

/** What the cascade handlers need. */
export interface CascadeDeps {
  db: Db;
  /** Publishes the events the handlers committed to the outbox. */
  relay: Pick<OutboxRelay, 'kick'>;
  /** Re-enqueues stuck deletions (the sweeper). */
  cascade: Pick<Producer<'cascade'>, 'ensure'>;
  sweep: SweepOptions;
}

/** The handlers of the `cascade` queue. */
export function makeCascadeHandlers(deps: CascadeDeps): QueueHandlers<'cascade'> {
  return {
    'profile.delete': makeProfileDeleteHandler(deps),
    'runtime.delete': makeRuntimeDeleteHandler(deps),
    'profile.sweep-deletions': makeSweepDeletionsHandler({ ...deps, options: deps.sweep }),
  };
}

/**
 * Opens the database, then consumes the `cascade` queue, (re)schedules the deletion sweeper and
 * serves `/metrics`, `/healthz` and `/readyz` on `CASCADE_METRICS_PORT` (unless
 * `options.serveOps` is false). `stop()` finishes active jobs before closing Redis, the pool and
 * the ops server.
 */
export async function startCascadeWorker(
  config: CascadeWorkerConfig,
  log: Logger = createLogger('cascade-worker', config.log.level),
  options: WorkerProcessOptions = {},
): Promise<RunningWorkerProcess> {
  const metrics = options.metrics ?? createMetricsRegistry();
  const dataSource = await connectDataSource({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'cp-cascade-worker',
  });
  const opened = createCloser();
  opened.add(() => dataSource.destroy());
  try {
    const redis = await connectRedis(config.redis.url, 'producer', log);
    opened.add(() => redis.disconnect());
    const cascade = createProducer('cascade', {
      connection: redis,
      prefix: config.queue.prefix,
      log,
    });
    opened.add(() => cascade.close());
    const db = createDb(dataSource);
    const relay = startOutboxRelay({
      source: db.outbox,
      stream: new EventStream(redis, config.queue.prefix),
      log,
      observeLag: createRelayLagMetric(metrics),
    });
    opened.add(() => relay.stop());
    const deps: CascadeDeps = {
      db,
      relay,
      cascade,
      sweep: { staleAfterMs: config.sweep.staleAfterMs, batchSize: 100 },
    };
    const running = await runQueueWorker('cascade', makeCascadeHandlers(deps), {
      redisUrl: config.redis.url,
      prefix: config.queue.prefix,
      concurrency: config.worker.concurrency,
      log,
      metrics,
      onStop: () => opened.close(),
    });
    try {
      // Upserting is idempotent: every cascade worker does it, one schedule results.
      await cascade.queue.upsertJobScheduler(
        'profile.sweep-deletions',
        { every: config.sweep.intervalMs },
        { name: 'profile.sweep-deletions', data: {} },
      );
    } catch (err) {
      await running.stop();
      throw err;
    }
    return await serveWorkerOps(running, {
      ops: config.ops,
      portVariable: 'CASCADE_METRICS_PORT',
      metrics,
      probes: { postgres: () => db.ping(), redis: () => pingRedis(redis) },
      serve: options.serveOps ?? true,
      log,
    });
  } catch (err) {
    await opened.close();
    throw err;
  }
}
