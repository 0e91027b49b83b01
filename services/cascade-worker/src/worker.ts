import { connectDataSource, createDb, type Db } from '@cp/db';
import { createLogger, type Logger } from '@cp/platform';
import { type QueueHandlers, type RunningWorker, runQueueWorker } from '@cp/queue';
import type { CascadeWorkerConfig } from './config';

/** The handlers of the `cascade` queue. */
export function makeCascadeHandlers(_deps: { db: Db }): QueueHandlers<'cascade'> {
  return {};
}

/**
 * Opens the database, then consumes the `cascade` queue. `stop()` finishes active jobs before
 * closing Redis and the pool.
 */
export async function startCascadeWorker(
  config: CascadeWorkerConfig,
  log: Logger = createLogger('cascade-worker', config.log.level),
): Promise<RunningWorker> {
  const dataSource = await connectDataSource({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'cp-cascade-worker',
  });
  try {
    return await runQueueWorker('cascade', makeCascadeHandlers({ db: createDb(dataSource) }), {
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
