import { AppError } from '@cp/contracts';
import type { Logger } from '@cp/platform';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type JobName,
  type JobPayload,
  type JobSpec,
  type JobsOn,
  jobCatalog,
  type QueueName,
} from './catalog';
import { encodeJobError } from './job-error';
import { connectRedis } from './redis';

/** What a handler learns about the job it runs, besides its payload. */
export interface JobContext {
  jobId: string;
  name: JobName;
  /** 1 on the first run, 2 on the first retry, and so on. */
  attempt: number;
  /** A logger bound to queue, job name, job id and attempt. */
  log: Logger;
}

/** Handles one job: its parsed payload in, its result (stored on the job) out. */
export type JobHandler<N extends JobName> = (
  payload: JobPayload<N>,
  ctx: JobContext,
) => Promise<unknown>;

/** One handler per job of queue `Q`; a missing one does not compile. */
export type QueueHandlers<Q extends QueueName> = { [N in JobsOn<Q>]: JobHandler<N> };

export interface StartWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  log: Logger;
}

type AnyHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;

/**
 * Starts a BullMQ worker on `queue` that dispatches on `job.name`, re-parses the payload with
 * the catalog's schema and calls the handler.
 *
 * Failure policy: an unknown job name, an unparsable payload and a non-retryable `AppError`
 * fail the job at once (`UnrecoverableError`, the AppError encoded in the reason); anything
 * else is thrown as is and retried with the queue's backoff.
 */
export function startWorker<Q extends QueueName>(
  queue: Q,
  handlers: QueueHandlers<Q>,
  opts: StartWorkerOptions,
): Worker {
  const table = handlers as Record<string, AnyHandler | undefined>;
  const specs: Readonly<Record<string, JobSpec | undefined>> = jobCatalog;
  const process = async (job: Job): Promise<unknown> => {
    const log = opts.log.child({
      queue,
      jobName: job.name,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    });
    const handler = table[job.name];
    const spec = specs[job.name];
    if (!handler || !spec) {
      log.error('no handler for this job name');
      throw new UnrecoverableError(`unknown job name: ${job.name}`);
    }
    const parsed = spec.payload.safeParse(job.data);
    if (!parsed.success) {
      log.error('payload does not match its schema');
      throw new UnrecoverableError(`invalid payload for ${job.name}`);
    }
    try {
      return await handler(parsed.data, {
        jobId: job.id ?? '',
        name: job.name as JobName,
        attempt: job.attemptsMade + 1,
        log,
      });
    } catch (err) {
      if (err instanceof AppError && !err.retryable) {
        throw new UnrecoverableError(encodeJobError(err));
      }
      log.warn({ err }, 'job failed; it will be retried if attempts remain');
      throw err;
    }
  };
  return new Worker(queue, process, {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency,
  });
}

/** Options of {@link runQueueWorker}. */
export interface RunQueueWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  log: Logger;
  /** Closes what the caller opened for the handlers (its database pool); runs last on stop. */
  onStop?: () => Promise<void>;
}

/** A running worker process part: the BullMQ worker and how to stop it. */
export interface RunningWorker {
  worker: Worker;
  /** Stops taking jobs, lets active ones finish (`worker.close()`), then closes connections. */
  stop(): Promise<void>;
}

/**
 * Connects to Redis (one-line StartupError when unreachable) and starts a worker on `queue`
 * with {@link startWorker}. What a worker service runs after opening its database.
 */
export async function runQueueWorker<Q extends QueueName>(
  queue: Q,
  handlers: QueueHandlers<Q>,
  opts: RunQueueWorkerOptions,
): Promise<RunningWorker> {
  const connection = await connectRedis(opts.redisUrl, 'worker', opts.log);
  const worker = startWorker(queue, handlers, {
    connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    log: opts.log,
  });
  worker.on('error', (err) => opts.log.error({ err, queue }, 'worker error'));
  await worker.waitUntilReady();
  opts.log.info(
    { queue, concurrency: opts.concurrency, prefix: opts.prefix },
    `worker consuming ${queue}`,
  );
  return {
    worker,
    stop: async () => {
      await worker.close();
      await connection.quit();
      await opts.onStop?.();
    },
  };
}
