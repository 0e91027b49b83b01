import { createLogger } from '@cp/platform';
import {
  createTestQueuePrefix,
  createTestRedis,
  removeQueuePrefix,
  testRedisUrl,
} from '@cp/testing';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobOutcomes } from './outcomes';
import { openQueue } from './queues';

const log = createLogger('outcomes-test', 'silent');

/** Connection options (not a client), so the worker owns and closes its connections. */
function ownConnection() {
  const url = new URL(testRedisUrl());
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

describe(JobOutcomes.name, () => {
  const prefix = createTestQueuePrefix();
  let redis: Redis;
  let sut: JobOutcomes;
  const queueName = 'registry';

  beforeAll(async () => {
    redis = await createTestRedis();
    sut = new JobOutcomes(
      openQueue(queueName, redis, prefix),
      await createTestRedis(),
      prefix,
      log,
    );
    await sut.ready();
  });

  afterAll(async () => {
    await sut.close();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
  });

  it('serves 5,000 concurrent waiters with one listener per event and frees every waiter', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const queue = openQueue(queueName, redis, prefix);
    const worker = new Worker(queueName, (job) => Promise.resolve({ n: job.data as unknown }), {
      connection: ownConnection(),
      prefix,
      concurrency: 50,
      autorun: false,
    });
    try {
      const jobs = await queue.addBulk(
        Array.from({ length: 100 }, (_, i) => ({
          name: 'runtime.register',
          data: i,
          opts: { jobId: `load.${i}` },
        })),
      );
      const waits = Array.from({ length: 5_000 }, (_, i) =>
        sut.wait(jobs[i % jobs.length]?.id ?? '', 20_000),
      );
      expect(sut.waiting).toBeGreaterThan(0);
      void worker.run();
      const outcomes = await Promise.all(waits);

      expect(outcomes.every((o) => o?.status === 'succeeded')).toBe(true);
      expect(outcomes[7]).toEqual({ status: 'succeeded', result: { n: 7 } });
      expect(sut.waiting).toBe(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await worker.close();
      await queue.close();
    }
  });

  it('returns the outcome of a job that ended before the wait began', async () => {
    const queue = openQueue(queueName, redis, prefix);
    const worker = new Worker(queueName, () => Promise.resolve('done'), {
      connection: ownConnection(),
      prefix,
    });
    try {
      await queue.add('runtime.register', {}, { jobId: 'early.1' });
      await sut.wait('early.1', 5_000);
      await worker.close();

      await expect(sut.wait('early.1', 1_000)).resolves.toEqual({
        status: 'succeeded',
        result: 'done',
      });
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('ends every wait at once on release (shutdown), as if it had timed out', async () => {
    const waits = [sut.wait('never.3', 60_000), sut.wait('never.4', 60_000)];
    expect(sut.waiting).toBe(2);
    sut.release();
    await expect(Promise.all(waits)).resolves.toEqual([undefined, undefined]);
    expect(sut.waiting).toBe(0);
  });

  it('gives up after its timeout and on abort, leaving no waiter behind', async () => {
    await expect(sut.wait('never.1', 50)).resolves.toBeUndefined();
    const abort = new AbortController();
    const pending = sut.wait('never.2', 60_000, abort.signal);
    abort.abort();
    await expect(pending).resolves.toBeUndefined();
    expect(sut.waiting).toBe(0);
  });
});
