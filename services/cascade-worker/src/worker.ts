import { connectDataSource, createDb, type Db } from '@cp/db';
import { createLogger, type Logger } from '@cp/platform';
import {
  connectRedis,
  type EventSink,
  EventStream,
  type QueueHandlers,
  type RunningWorker,
  runQueueWorker,
  streamEventSink,
} from '@cp/queue';
import { makeProfileDeleteHandler } from './handlers/profile-delete.handler';
import { makeRuntimeDeleteHandler } from './handlers/runtime-delete.handler';
import type { CascadeWorkerConfig } from './config';

/** The handlers of the `cascade` queue. */
export function makeCascadeHandlers(deps: { db: Db; events: EventSink }): QueueHandlers<'cascade'> {
  return {
    'profile.delete': makeProfileDeleteHandler(deps),
    'runtime.delete': makeRuntimeDeleteHandler(deps),
  };
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
    const redis = await connectRedis(config.redis.url, 'producer', log);
    const events = streamEventSink(new EventStream(redis, config.queue.prefix), log);
    return await runQueueWorker(
      'cascade',
      makeCascadeHandlers({ db: createDb(dataSource), events }),
      {
        redisUrl: config.redis.url,
        prefix: config.queue.prefix,
        concurrency: config.worker.concurrency,
        log,
        onStop: async () => {
          redis.disconnect();
          await dataSource.destroy();
        },
      },
    );
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
