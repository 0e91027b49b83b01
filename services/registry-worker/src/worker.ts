import { connectDataSource, createDb, type Db } from '@cp/db';
import { createLogger, type Logger } from '@cp/platform';
import { type QueueHandlers, type RunningWorker, runQueueWorker } from '@cp/queue';
import type { RegistryWorkerConfig } from './config';

/** The handlers of the `registry` queue. */
export function makeRegistryHandlers(_deps: { db: Db }): QueueHandlers<'registry'> {
  return {};
}

/**
 * Opens the database, then consumes the `registry` queue. `stop()` finishes active jobs before
 * closing Redis and the pool.
 */
export async function startRegistryWorker(
  config: RegistryWorkerConfig,
  log: Logger = createLogger('registry-worker', config.log.level),
): Promise<RunningWorker> {
  const dataSource = await connectDataSource({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'cp-registry-worker',
  });
  try {
    return await runQueueWorker('registry', makeRegistryHandlers({ db: createDb(dataSource) }), {
      redisUrl: config.redis.url,
      prefix: config.queue.prefix,
      concurrency: config.worker.concurrency,
      log,
      onStop: () => dataSource.destroy(),
    });
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
