import { describeCause, type Logger, unreachable } from '@cp/platform';
import { Redis, type RedisOptions } from 'ioredis';

/** What a connection is for; it decides how the client behaves while Redis is down. */
export type RedisRole = 'producer' | 'worker';

/**
 * Opens an ioredis client for BullMQ.
 *
 * - `producer` (api side): `enableOfflineQueue: false` and one retry per command, so with
 *   Redis down a request fails at once (the api answers 503) instead of queueing in memory.
 * - `worker`: `maxRetriesPerRequest: null`, as BullMQ requires for blocking commands; it
 *   reconnects forever.
 *
 * Both reconnect with a capped backoff, so everything recovers when Redis returns.
 */
export function createRedisConnection(
  url: string,
  role: RedisRole,
  extra: RedisOptions = {},
): Redis {
  const common: RedisOptions = {
    connectTimeout: 2_000,
    // A socket that never opened never closes; do not hold the process for ioredis's 2 s default.
    disconnectTimeout: 200,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  };
  const byRole: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null };
  return new Redis(url, { ...common, ...byRole, ...extra });
}

/** Resolves once the client is connected, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs = 3_000): Promise<void> {
  if (client.status === 'ready') {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let lastError: Error | undefined;
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      lastError = err;
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/** Resolves when Redis answers PING within `timeoutMs`. */
export async function pingRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a connection and waits until Redis answers, turning a failure into the one-line
 * StartupError that names the URL and how to start Redis. The client is closed on failure.
 */
export async function connectRedis(
  url: string,
  role: RedisRole,
  log: Logger,
  timeoutMs = 3_000,
): Promise<Redis> {
  const client = createRedisConnection(url, role);
  // ioredis emits 'error' on every failed reconnect; without a listener that crashes the
  // process. Log each distinct outage once, not every retry.
  let lastReason: string | undefined;
  client.on('error', (err: Error) => {
    const reason = describeCause(err);
    if (reason !== lastReason) {
      lastReason = reason;
      log.warn({ reason, role }, 'redis connection error; reconnecting');
    }
  });
  client.on('ready', () => {
    if (lastReason !== undefined) {
      log.info({ role }, 'redis connection restored');
    }
    lastReason = undefined;
  });
  try {
    await waitForRedis(client, timeoutMs);
  } catch (err) {
    client.disconnect();
    throw unreachable('Redis', url, err);
  }
  return client;
}
