import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectDataSource, createDb } from '@cp/db';
import { createLogger, type Logger, type Stoppable } from '@cp/platform';
import {
  connectRedis,
  createProducer,
  EventStream,
  JobOutcomes,
  pingRedis,
  streamEventSink,
} from '@cp/queue';
import { createApp, DEFAULT_AUTH_OPTIONS } from './app';

import type { ApiConfig } from './config';

/** A running api: its URL and how to stop it. */
export interface RunningApi extends Stoppable {
  url: string;
  server: Server;
}

/**
 * Connects to Postgres and Redis (one-line error if either is unreachable), then listens.
 * `stop()` stops accepting connections, lets in-flight requests finish, then closes the
 * connections in reverse order.
 */
export async function startApi(
  config: ApiConfig,
  log: Logger = createLogger('api', config.log.level),
): Promise<RunningApi> {
  const dataSource = await connectDataSource({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'cp-api',
  });
  let redis;
  try {
    redis = await connectRedis(config.redis.url, 'producer', log);
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  const db = createDb(dataSource);
  const registry = createProducer('registry', {
    connection: redis,
    prefix: config.queue.prefix,
    log,
  });
  // QueueEvents blocks on XREAD, so it gets its own connection.
  const outcomes = new JobOutcomes(
    registry.queue,
    await connectRedis(config.redis.url, 'worker', log),
    config.queue.prefix,
    log,
  );
  await outcomes.ready();
  const app = createApp({
    queues: { registry: { producer: registry, outcomes } },
    registerWaitMs: config.registerWaitMs,
    db,
    log,
    events: streamEventSink(new EventStream(redis, config.queue.prefix), log),
    auth: DEFAULT_AUTH_OPTIONS,
    probes: { postgres: () => db.ping(), redis: () => pingRedis(redis) },
    readinessTimeoutMs: config.readinessTimeoutMs,
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
  const url = `http://${host}:${port}`;
  log.info({ url }, `api listening on ${url}`);
  return {
    url,
    server,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await outcomes.close();
      await registry.close();
      redis.disconnect();
      await dataSource.destroy();
    },
  };
}
