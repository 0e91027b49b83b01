import { randomBytes } from 'node:crypto';
import { createLogger } from '@cp/platform';
import {
  createProducer,
  createRedisConnection,
  JobOutcomes,
  type Producer,
  type QueueName,
  waitForRedis,
} from '@cp/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { testRedisUrl } from './env';

/** A unique BullMQ prefix for one test file: `{t-<8 hex>}` (a Redis Cluster hash tag). */
export function createTestQueuePrefix(): string {
  return `{t-${randomBytes(4).toString('hex')}}`;
}

/** A connected Redis client on REDIS_URL for a test (`worker` role unless said). */
export async function createTestRedis(role: 'producer' | 'worker' = 'worker'): Promise<Redis> {
  const client = createRedisConnection(testRedisUrl(), role);
  await waitForRedis(client);
  return client;
}

/** Deletes every key under a test prefix. Call it in `afterAll`. */
export async function removeQueuePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) {
      await redis.del(...keys);
    }
  } while (cursor !== '0');
}

/** Options of the waits below. */
export interface WaitOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** How often to look (default 25 ms). */
  intervalMs?: number;
}

/**
 * Retries `assertion` until it passes or the deadline passes; then rethrows its last failure.
 * The one way tests wait for database effects.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) {
        throw err;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 25));
  }
}

const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * Waits until every queue has no waiting, active, delayed or prioritized job, seen twice in a
 * row. Fails at once when a job has failed (with its reason, unless `allowFailed`), and on
 * timeout reports the counts still pending.
 */
export async function waitForQueuesIdle(
  queues: Queue[],
  opts: WaitOptions & { allowFailed?: boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let idleReadings = 0;
  for (;;) {
    const pending: Record<string, Record<string, number>> = {};
    for (const queue of queues) {
      const { failed = 0, ...open } = await queue.getJobCounts(...PENDING_STATES, 'failed');
      if (failed > 0 && !opts.allowFailed) {
        const jobs = await queue.getFailed(0, 4);
        const reasons = jobs.map((job) => `${job.name} ${job.id}: ${job.failedReason}`);
        throw new Error(`queue ${queue.name} has failed jobs: ${reasons.join('; ')}`);
      }
      if (Object.values(open).some((count) => count > 0)) {
        pending[queue.name] = open;
      }
    }
    idleReadings = Object.keys(pending).length === 0 ? idleReadings + 1 : 0;
    if (idleReadings >= 2) {
      return;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `queues not idle after ${opts.timeoutMs ?? 10_000} ms: ${JSON.stringify(pending)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 25));
  }
}

/** A producer and an outcome subscription for one queue, as the api holds them. */
export interface TestQueueAccess<Q extends QueueName> {
  producer: Producer<Q>;
  outcomes: JobOutcomes;
  /** Closes both and their connections. */
  close(): Promise<void>;
}

/** Opens a producer and an outcome subscription on queue `Q` under a test prefix. */
export async function createTestQueueAccess<Q extends QueueName>(
  queue: Q,
  prefix: string,
): Promise<TestQueueAccess<Q>> {
  const log = createLogger('test', 'silent');
  const connection = await createTestRedis('producer');
  const producer = createProducer(queue, { connection, prefix, log });
  const outcomes = new JobOutcomes(producer.queue, await createTestRedis(), prefix, log);
  await outcomes.ready();
  return {
    producer,
    outcomes,
    close: async () => {
      await outcomes.close();
      await producer.close();
      connection.disconnect();
    },
  };
}

/** Both queues as the api holds them, under one test prefix. */
export interface TestApiQueues {
  registry: TestQueueAccess<'registry'>;
  cascade: TestQueueAccess<'cascade'>;
  /** Closes both queues and removes every key under the prefix. */
  close(): Promise<void>;
}

/** Opens {@link createTestQueueAccess} for both queues under `prefix` (a test file's own). */
export async function createTestApiQueues(prefix: string): Promise<TestApiQueues> {
  const registry = await createTestQueueAccess('registry', prefix);
  const cascade = await createTestQueueAccess('cascade', prefix);
  return {
    registry,
    cascade,
    close: async () => {
      await registry.close();
      await cascade.close();
      const redis = await createTestRedis();
      await removeQueuePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
