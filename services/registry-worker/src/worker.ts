import { connectDataSource, createDb } from '@cp/db';
import { createLogger, type Logger } from '@cp/platform';
import {
  connectRedis,
  EventStream,
  type QueueHandlers,
  type RunningWorker,
  runQueueWorker,
  startOutboxRelay,
} from '@cp/queue';
import type { RegistryWorkerConfig } from './config';
import { makeRuntimeRegisterHandler } from './handlers/runtime-register.handler';
import { makeRegistrar, type Registrar } from './registration/registrar';

/** The handlers of the `registry` queue. */
export function makeRegistryHandlers(deps: { registrar: Registrar }): QueueHandlers<'registry'> {
  return { 'runtime.register': makeRuntimeRegisterHandler(deps) };
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
    const redis = await connectRedis(config.redis.url, 'producer', log);
    const db = createDb(dataSource);
    const relay = startOutboxRelay({
      source: db.outbox,
      stream: new EventStream(redis, config.queue.prefix),
      log,
    });
    const registrar = makeRegistrar({ db, log, relay }, config.batch);
    return await runQueueWorker('registry', makeRegistryHandlers({ registrar }), {
      redisUrl: config.redis.url,
      prefix: config.queue.prefix,
      concurrency: config.worker.concurrency,
      log,
      onStop: async () => {
        await relay.stop();
        redis.disconnect();
        await dataSource.destroy();
      },
    });
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
