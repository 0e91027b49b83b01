import { AppError } from '@cp/contracts';
import type { Logger, MetricsRegistry } from '@cp/platform';
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
import { createJobMetrics, jobOutcomeLabel, type JobRunEnd } from './metrics';
import { connectRedis } from './redis';

/** What a handler learns about the job it runs, besides its payload. */
export interface JobContext {
  jobId: string;
  name: JobName;
  /** 1 on the first run, 2 on the first retry, and so on. */
  attempt: number;
  /** A logger bound to queue, job name, job id, attempt and the api's request id, if any. */
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
  /** Where job durations and outcomes are recorded (`cp_job_duration_seconds`, `cp_jobs_total`). */
  metrics?: MetricsRegistry;
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
  const metrics = opts.metrics ? createJobMetrics(opts.metrics) : undefined;
  /** Runs the job's handler on its re-parsed payload; an unknown name or bad payload is final. */
  const run = async (job: Job, log: Logger, attempt: number): Promise<unknown> => {
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
    return handler(parsed.data, { jobId: job.id ?? '', name: job.name as JobName, attempt, log });
  };
  const process = async (job: Job): Promise<unknown> => {
    const attempt = job.attemptsMade + 1;
    // The api request that enqueued the job: one id follows a request into the worker's logs.
    const requestId = requestIdOf(job.data);
    const log = opts.log.child({
      queue,
      jobName: job.name,
      jobId: job.id,
      attempt,
      ...(requestId === undefined ? {} : { requestId }),
    });
    const started = performance.now();
    const finish = (end: JobRunEnd, err?: unknown): void => {
      const ms = performance.now() - started;
      metrics?.observe(queue, job.name, end, ms / 1000);
      const fields = { outcome: jobOutcomeLabel(job.name, end), ms: Math.round(ms) };
      switch (end) {
        case 'succeeded':
        case 'refused':
          log.info(fields, 'job done');
          return;
        case 'retried':
          log.warn({ ...fields, err }, 'job failed; it will be retried');
          return;
        case 'failed':
          log.error({ ...fields, err }, 'job failed for good');
          return;
      }
    };
    try {
      const result = await run(job, log, attempt);
      finish('succeeded');
      return result;
    } catch (err) {
      if (err instanceof AppError && !err.retryable) {
        finish('refused');
        throw new UnrecoverableError(encodeJobError(err));
      }
      if (err instanceof UnrecoverableError) {
        finish('failed', err);
      } else {
        finish(attempt < (job.opts.attempts ?? 1) ? 'retried' : 'failed', err);
      }
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
  /** Where job durations and outcomes are recorded. */
  metrics?: MetricsRegistry;
  /** Closes what the caller opened for the handlers (its database pool); runs last on stop. */
  onStop?: () => Promise<void>;
}

/** A running worker process part: the BullMQ worker and how to stop it. */
export interface RunningWorker {
  worker: Worker;
  /** True while the worker takes jobs: started, and not stopping (a readiness probe). */
  isTakingJobs(): boolean;
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
    metrics: opts.metrics,
  });
  worker.on('error', (err) => opts.log.error({ err, queue }, 'worker error'));
  await worker.waitUntilReady();
  opts.log.info(
    { queue, concurrency: opts.concurrency, prefix: opts.prefix },
    `worker consuming ${queue}`,
  );
  return {
    worker,
    isTakingJobs: () => worker.isRunning() && worker.closing === undefined,
    stop: async () => {
      // close() marks the worker closing at once (no new job is fetched from here on), then
      // waits for the active jobs; only then do the connections go.
      const closed = worker.close();
      opts.log.info({ queue }, 'worker stopping: no new jobs; finishing the active ones');
      await closed;
      await connection.quit();
      await opts.onStop?.();
    },
  };
}

/** The `requestId` of a job's raw data, when it is a string. */
function requestIdOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || !('requestId' in data)) {
    return undefined;
  }
  return typeof data.requestId === 'string' ? data.requestId : undefined;
}
