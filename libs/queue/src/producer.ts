import { randomUUID } from 'node:crypto';
import { AppError, MESSAGES } from '@cp/contracts';
import type { Logger } from '@cp/platform';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type JobPayload, type JobsOn, jobCatalog, type JobSpec, type QueueName } from './catalog';
import { DEFAULT_JOB_OPTIONS } from './defaults';

/** How long an enqueue may take before the api gives up and answers 503. */
const ENQUEUE_TIMEOUT_MS = 1_000;

export interface ProducerOptions {
  /** A `producer` connection (`enableOfflineQueue: false`), so a dead Redis fails fast. */
  connection: Redis;
  prefix: string;
  log: Logger;
}

export interface EnqueueOptions {
  /**
   * Jobs with the same deduplication id while one is waiting or running are one job: the add
   * returns the job already there.
   */
  deduplicationId?: string;
  /**
   * For a target-derived job id: a finished job with that id (kept for its retention) is
   * removed first, so the new request runs instead of meeting the old outcome. A waiting or
   * running job is kept and joined.
   */
  replaceFinished?: boolean;
}

/** Adds jobs of one queue: only that queue's names, with their payloads. */
export interface Producer<Q extends QueueName> {
  readonly queue: Queue;
  /**
   * Validates the payload, sets the job id (the operation id) and adds the job. Resolves to
   * the id of the job that will carry the request (an existing one when deduplicated).
   * @throws AppError `QUEUE_UNAVAILABLE` (503, retry after 1 s) when Redis does not take it.
   */
  enqueue<N extends JobsOn<Q>>(
    name: N,
    payload: JobPayload<N>,
    opts?: EnqueueOptions,
  ): Promise<string>;
  /**
   * Makes sure job `name` for `payload` will run: adds it when absent, retries it when it
   * failed, re-adds it when it completed, leaves it when it is waiting or running. Resolves to
   * what it did. For target-derived ids (the sweeper).
   */
  ensure<N extends JobsOn<Q>>(
    name: N,
    payload: JobPayload<N>,
  ): Promise<'added' | 'retried' | 'live'>;
  close(): Promise<void>;
}

/** Opens a producer for `queue`. */
export function createProducer<Q extends QueueName>(
  queueName: Q,
  opts: ProducerOptions,
): Producer<Q> {
  // skipWaitingForReady: with Redis down, add() fails at once instead of waiting to connect.
  const queue = new Queue(queueName, {
    connection: opts.connection,
    prefix: opts.prefix,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
    skipWaitingForReady: true,
  });
  queue.on('error', (err) => opts.log.warn({ err, queue: queueName }, 'queue error'));
  const specs: Readonly<Record<string, JobSpec | undefined>> = jobCatalog;

  return {
    queue,
    enqueue: async (name, payload, enqueueOpts = {}) => {
      const spec = specs[name];
      if (!spec) {
        throw new Error(`job ${name} is not in the catalog`);
      }
      const data: unknown = spec.payload.parse(payload);
      const jobId = spec.jobId?.(data) ?? `${name}.${randomUUID()}`;
      const add = async (): Promise<string> => {
        if (enqueueOpts.replaceFinished) {
          const existing = await Job.fromId(queue, jobId);
          if (existing && ((await existing.isCompleted()) || (await existing.isFailed()))) {
            await existing.remove();
          }
        }
        const dedup = enqueueOpts.deduplicationId;
        const job = await queue.add(name, data, {
          jobId,
          ...(dedup ? { deduplication: { id: dedup } } : {}),
        });
        return job.id ?? jobId;
      };
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          add(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`enqueue took over ${ENQUEUE_TIMEOUT_MS} ms`)),
              ENQUEUE_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (err) {
        opts.log.warn({ err, queue: queueName, jobName: name }, 'enqueue failed');
        throw new AppError('QUEUE_UNAVAILABLE', MESSAGES.queueUnavailable, {
          retryable: true,
          retryAfterSeconds: 1,
          cause: err,
        });
      } finally {
        clearTimeout(timer);
      }
    },
    ensure: async (name, payload) => {
      const spec = specs[name];
      const data: unknown = spec?.payload.parse(payload);
      const jobId = spec?.jobId?.(data);
      if (!jobId) {
        throw new Error(`job ${name} has no target-derived id`);
      }
      const existing = await Job.fromId(queue, jobId);
      const state = existing ? await existing.getState() : undefined;
      if (existing && state === 'failed') {
        await existing.retry('failed');
        return 'retried';
      }
      if (existing && state !== 'completed') {
        return 'live';
      }
      await existing?.remove();
      await queue.add(name, data, { jobId });
      return 'added';
    },
    close: () => queue.close(),
  };
}
