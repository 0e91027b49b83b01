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
