import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectDataSource, createDb, type Db } from '@cp/db';
import {
  createLogger,
  createMetricsRegistry,
  type Logger,
  type MetricsRegistry,
  type Closer,
  createCloser,
  describeCause,
  type Probe,
  StartupError,
  type Stoppable,
} from '@cp/platform';
import {
  connectRedis,
  createProducer,
  EventFeed,
  EventStream,
  JobOutcomes,
  pingRedis,
  type QueueName,
  createRelayLagMetric,
  startOutboxRelay,
  startQueueSampler,
} from '@cp/queue';
import type { Redis } from 'ioredis';
import { type ApiOps, createApp, DEFAULT_AUTH_OPTIONS } from './app';
import type { ApiConfig } from './config';
import type { QueueAccess } from './services/operations.service';

/** A running api: its URL and how to stop it. */
export interface RunningApi extends Stoppable {
  url: string;
  server: Server;
}

/**
 * Lets a closing server end its keep-alive connections as soon as their requests are answered:
 * `server.close()` alone stops accepting connections but keeps an idle keep-alive connection
 * open until its timeout. Returns what to call after `server.close()`: idle connections close
 * at once, in-flight answers go out with `Connection: close`.
 */
function drainOnClose(server: Server): () => void {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  // Before the app's own listener: Express answers some requests within that same emit, and a
  // header cannot be set once they are sent.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) {
      res.setHeader('Connection', 'close');
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return () => {
    draining = true;
    for (const res of inFlight) {
      if (!res.headersSent) {
        res.setHeader('Connection', 'close');
      }
    }
    server.closeIdleConnections();
  };
}

/**
 * A producer on the shared connection, and an outcome subscription on a connection of its own
 * (QueueEvents blocks on XREAD).
 */
async function openQueueAccess<Q extends QueueName>(
  queue: Q,
  redis: Redis,
  config: ApiConfig,
  log: Logger,
  opened: Closer,
): Promise<QueueAccess<Q>> {
  const producer = createProducer(queue, { connection: redis, prefix: config.queue.prefix, log });
  opened.add(() => producer.close());
  const outcomes = new JobOutcomes(
    producer.queue,
    await connectRedis(config.redis.url, 'worker', log),
    config.queue.prefix,
    log,
  );
  opened.add(() => outcomes.close());
  await outcomes.ready();
  return { producer, outcomes };
}

/** How the api runs inside its process. */
export interface ApiProcessOptions {
  /**
   * The process's metrics registry. Default: a new one with Node's process metrics. `npm start`
   * shares one with the workers, so `/metrics` shows them too.
   */
  metrics?: MetricsRegistry;
  /** More readiness probes (`npm start` adds its workers'). */
  probes?: Record<string, Probe>;
}

/** The ops settings of the config, with a per-process session secret when none is set. */
function opsOf(config: ApiConfig, metrics: MetricsRegistry, log: Logger): ApiOps {
  let sessionSecret = config.admin.sessionSecret;
  if (sessionSecret === undefined) {
    log.warn(
      'API_ADMIN_SESSION_SECRET is not set: dashboard sessions use a secret of this process and end when it stops',
    );
    sessionSecret = randomBytes(32).toString('base64url');
  }
  return {
    metrics,
    sessionSecret,
    sessionTtlMs: config.admin.sessionTtlMs,
    secureCookie: config.admin.secureCookie,
    metricsToken: config.metrics.token,
  };
}

/**
 * Connects to Postgres and Redis (one-line error if either is unreachable), then listens.
 * `stop()` stops accepting connections, lets in-flight requests finish, then closes the
 * connections in reverse order. A failed start closes what it opened.
 */
export async function startApi(
  config: ApiConfig,
  log: Logger = createLogger('api', config.log.level),
  options: ApiProcessOptions = {},
): Promise<RunningApi> {
  const dataSource = await connectDataSource({
    url: config.database.url,
    poolSize: config.database.poolSize,
    applicationName: 'cp-api',
  });
  const opened = createCloser();
  opened.add(() => dataSource.destroy());
  try {
    return await serve(config, log, options, createDb(dataSource), opened);
  } catch (err) {
    await opened.close();
    throw err;
  }
}

/** The rest of {@link startApi} once Postgres is open; records what it opens in `opened`. */
async function serve(
  config: ApiConfig,
  log: Logger,
  options: ApiProcessOptions,
  db: Db,
  opened: Closer,
): Promise<RunningApi> {
  const metrics = options.metrics ?? createMetricsRegistry();
  const redis = await connectRedis(config.redis.url, 'producer', log);
  opened.add(() => redis.disconnect());
  const queues = {
    registry: await openQueueAccess('registry', redis, config, log, opened),
    cascade: await openQueueAccess('cascade', redis, config, log, opened),
  };
  const relay = startOutboxRelay({
    source: db.outbox,
    stream: new EventStream(redis, config.queue.prefix),
    log,
    observeLag: createRelayLagMetric(metrics),
  });
  opened.add(() => relay.stop());
  // Queue gauges come from this background reader, never from a scrape.
  const sampler = startQueueSampler(
    [queues.registry.producer.queue, queues.cascade.producer.queue],
    { registry: metrics, log },
  );
  opened.add(() => sampler.stop());
  const feed = new EventFeed(
    await connectRedis(config.redis.url, 'worker', log),
    config.queue.prefix,
    log,
  );
  opened.add(() => feed.stop());
  feed.start();
  const app = createApp({
    feed,
    db,
    log,
    relay,
    auth: DEFAULT_AUTH_OPTIONS,
    queues,
    registerWaitMs: config.registerWaitMs,
    probes: { postgres: () => db.ping(), redis: () => pingRedis(redis), ...options.probes },
    readinessTimeoutMs: config.readinessTimeoutMs,
    ops: opsOf(config, metrics, log),
  });
  const server = createServer(app);
  const drain = drainOnClose(server);
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown): void =>
      reject(
        new StartupError(
          `cannot listen on ${config.http.host}:${config.http.port} (${describeCause(err)}); set API_PORT`,
        ),
      );
    server.once('error', fail);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', fail);
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
      // Ends the open event streams, which would otherwise keep the server from closing.
      await feed.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      drain();
      // Requests waiting for a job answer 202 with their operation now, instead of holding
      // the shutdown until their wait ends.
      queues.registry.outcomes.release();
      queues.cascade.outcomes.release();
      await closed;
      await opened.close();
    },
  };
}
