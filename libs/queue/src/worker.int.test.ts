import { createLogger } from '@cp/platform';
import {
  createTestQueuePrefix,
  createTestRedis,
  removeQueuePrefix,
  testRedisUrl,
} from '@cp/testing';
import { type Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue } from './queues';
import { type QueueHandlers, runQueueWorker, type RunningWorker } from './worker';

const log = createLogger('queue-test', 'silent');

/** Handlers that must not run: the jobs these tests add are not theirs. */
const handlers: QueueHandlers<'registry'> = {
  'runtime.register': () => Promise.reject(new Error('not expected to run')),
};

describe(runQueueWorker.name, () => {
  const prefix = createTestQueuePrefix();
  let redis: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let eventsConnection: Redis;
  let sut: RunningWorker;

  beforeAll(async () => {
    redis = await createTestRedis();
    queue = openQueue('registry', redis, prefix);
    // BullMQ never closes a connection it was handed; this one is ours to quit.
    eventsConnection = redis.duplicate();
    events = new QueueEvents('registry', { connection: eventsConnection, prefix });
    await events.waitUntilReady();
    sut = await runQueueWorker('registry', handlers, {
      redisUrl: testRedisUrl(),
      prefix,
      concurrency: 2,
      log,
    });
  });

  afterAll(async () => {
    await sut.stop();
    await events.close();
    eventsConnection.disconnect();
    await queue.close();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
  });

  it('fails a job with an unknown name at once, without retries', async () => {
    const job = await queue.add('no.such-job', {}, { jobId: 'no.such-job.1' });
    await expect(job.waitUntilFinished(events, 5_000)).rejects.toThrow(
      'unknown job name: no.such-job',
    );
    const stored = await queue.getJob('no.such-job.1');
    expect(stored?.attemptsMade).toBe(1);
    expect(await stored?.getState()).toBe('failed');
  });

  it('refuses to start with an unreachable Redis, naming the URL', async () => {
    await expect(
      runQueueWorker('registry', handlers, {
        redisUrl: 'redis://127.0.0.1:1',
        prefix,
        concurrency: 1,
        log,
      }),
    ).rejects.toThrow(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
