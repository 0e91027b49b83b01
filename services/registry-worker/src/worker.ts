import { connectDataSource, createDb } from '@cp/db';
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
import type { RegistryWorkerConfig } from './config';
import { makeRuntimeRegisterHandler } from './handlers/runtime-register.handler';
import {
  actorOf,
  makeRegistrar,
  type Registrar,
  type RegisteredListener,
} from './registration/registrar';

/** The handlers of the `registry` queue. */
export function makeRegistryHandlers(deps: { registrar: Registrar }): QueueHandlers<'registry'> {
  return { 'runtime.register': makeRuntimeRegisterHandler(deps) };
}

/** Announces a committed registration as `runtime.registered`. */
export function announceRegistered(events: EventSink): RegisteredListener {
  return (payload, response) =>
    events.emit('runtime.registered', payload.workspaceId, actorOf(payload), {
      daemon_id: payload.daemonId,
      runtime_ids: response.runtimes.map((r) => r.id),
    });
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
    const events = await connectRedis(config.redis.url, 'producer', log);
    const registrar = makeRegistrar(
      {
        db: createDb(dataSource),
        log,
        onRegistered: announceRegistered(
          streamEventSink(new EventStream(events, config.queue.prefix), log),
        ),
      },
      config.batch,
    );
    return await runQueueWorker('registry', makeRegistryHandlers({ registrar }), {
      redisUrl: config.redis.url,
      prefix: config.queue.prefix,
      concurrency: config.worker.concurrency,
      log,
      onStop: async () => {
        events.disconnect();
        await dataSource.destroy();
      },
    });
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
