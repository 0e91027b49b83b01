import { connectDataSource, createDb } from '@cp/db';
import { createCloser, createLogger, createMetricsRegistry, type Logger } from '@cp/platform';
import {
  connectRedis,
  createBatchSizeMetric,
  createRelayLagMetric,
  EventStream,
  pingRedis,
  type QueueHandlers,
  type RunningWorkerProcess,
  runQueueWorker,
  serveWorkerOps,
  startOutboxRelay,
  type WorkerProcessOptions,
} from '@cp/queue';
import type { RegistryWorkerConfig } from './config';
import { makeRuntimeRegisterHandler } from './handlers/runtime-register.handler';
import { makeRegistrar, type Registrar } from './registration/registrar';

/** The handlers of the `registry` queue. */
export function makeRegistryHandlers(deps: { registrar: Registrar }): QueueHandlers<'registry'> {
  return { 'runtime.register': makeRuntimeRegisterHandler(deps) };
}

/**
 * Opens the database, then consumes the `registry` queue and serves `/metrics`, `/healthz` and
 * `/readyz` on `REGISTRY_METRICS_PORT` (unless `options.serveOps` is false). `stop()` finishes
 * active jobs before closing Redis, the pool and the ops server.
 */
export async function startRegistryWorker(
  config: RegistryWorkerConfig,
  log: Logger = createLogger('registry-worker', config.log.level),
  options: WorkerProcessOptions = {},
): Promise<RunningWorkerProcess> {
  const metrics = options.metrics ?? createMetricsRegistry();
  const dataSource = await connectDataSource({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'cp-registry-worker',
  });
  const opened = createCloser();
  opened.add(() => dataSource.destroy());
  try {
    const redis = await connectRedis(config.redis.url, 'producer', log);
    opened.add(() => redis.disconnect());
    const db = createDb(dataSource);
    const relay = startOutboxRelay({
      source: db.outbox,
      stream: new EventStream(redis, config.queue.prefix),
      log,
      observeLag: createRelayLagMetric(metrics),
    });
    opened.add(() => relay.stop());
    const registrar = makeRegistrar(
      { db, log, relay },
      { ...config.batch, onFlush: createBatchSizeMetric(metrics) },
    );
    const running = await runQueueWorker('registry', makeRegistryHandlers({ registrar }), {
      redisUrl: config.redis.url,
      prefix: config.queue.prefix,
      concurrency: config.worker.concurrency,
      log,
      metrics,
      onStop: () => opened.close(),
    });
    return await serveWorkerOps(running, {
      ops: config.ops,
      portVariable: 'REGISTRY_METRICS_PORT',
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
