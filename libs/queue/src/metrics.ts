import {
  counterOn,
  gaugeOn,
  histogramOn,
  type Logger,
  describeCause,
  type MetricsRegistry,
} from '@cp/platform';
import type { Queue } from 'bullmq';
import type { JobName } from './catalog';

/**
 * The outcome label of a job that succeeded or was refused (a final domain error), per job
 * name; a job without labels does not compile. `retried` (a transient failure with attempts
 * left) and `failed` (no attempts left, or an unusable job) are common to all.
 */
export const JOB_OUTCOME_LABELS = {
  'runtime.register': { succeeded: 'registered', refused: 'refused' },
  'profile.delete': { succeeded: 'deleted', refused: 'delete_refused' },
  'runtime.delete': { succeeded: 'deleted', refused: 'delete_refused' },
  'profile.sweep-deletions': { succeeded: 'swept', refused: 'refused' },
} as const satisfies Record<JobName, { succeeded: string; refused: string }>;

/** How one run of a job ended, as the worker sees it. */
export type JobRunEnd = 'succeeded' | 'refused' | 'retried' | 'failed';

/** A job's outcome label: `registered`, `deleted`, `delete_refused`, `retried`, ... */
export function jobOutcomeLabel(name: string, end: JobRunEnd): string {
  if (end === 'retried' || end === 'failed') {
    return end;
  }
  const labels = (JOB_OUTCOME_LABELS as Record<string, { succeeded: string; refused: string }>)[
    name
  ];
  return labels ? labels[end] : end;
}

/** Records job runs: a duration histogram and an outcome counter by queue, job name, outcome. */
export interface JobMetrics {
  observe(queue: string, name: string, end: JobRunEnd, seconds: number): void;
}

/** Job duration buckets: registrations take milliseconds, big cascades seconds. */
const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * `cp_job_duration_seconds` and `cp_jobs_total`, both labelled `queue`, `name` (a catalog name;
 * anything else is `unknown`, so a stray job cannot add series) and `outcome`.
 */
export function createJobMetrics(registry: MetricsRegistry): JobMetrics {
  const labelNames = ['queue', 'name', 'outcome'] as const;
  const duration = histogramOn(registry, {
    name: 'cp_job_duration_seconds',
    help: 'Time a worker spent on one run of a job, by queue, job name and outcome.',
    labelNames,
    buckets: JOB_BUCKETS,
  });
  const total = counterOn(registry, {
    name: 'cp_jobs_total',
    help: 'Job runs by queue, job name and outcome (registered, refused, deleted, delete_refused, swept, retried, failed).',
    labelNames,
  });
  return {
    observe: (queue, name, end, seconds) => {
      const known = name in JOB_OUTCOME_LABELS;
      const labels = {
        queue,
        name: known ? name : 'unknown',
        outcome: jobOutcomeLabel(name, end),
      };
      duration.observe(labels, seconds);
      total.inc(labels);
    },
  };
}

/** Registration batch size buckets, up to the largest batch a worker may be configured for. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** `cp_registration_batch_size`: registrations per shared transaction (the micro-batcher). */
export function createBatchSizeMetric(registry: MetricsRegistry): (size: number) => void {
  const histogram = histogramOn(registry, {
    name: 'cp_registration_batch_size',
    help: 'Registrations written per shared transaction by the registry worker micro-batcher.',
    buckets: BATCH_BUCKETS,
  });
  return (size) => histogram.observe(size);
}

/** Relay lag buckets: normally milliseconds after the commit; seconds while Redis is away. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** `cp_event_relay_lag_seconds`: an outbox row's age when the relay published it. */
export function createRelayLagMetric(registry: MetricsRegistry): (seconds: number) => void {
  const histogram = histogramOn(registry, {
    name: 'cp_event_relay_lag_seconds',
    help: 'Age of an outbox event when the relay published it to the stream.',
    buckets: LAG_BUCKETS,
  });
  return (seconds) => histogram.observe(seconds);
}

/** The job states the queue gauge reports. */
export const SAMPLED_JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** Options of {@link startQueueSampler}. */
export interface QueueSamplerOptions {
  registry: MetricsRegistry;
  log: Logger;
  /** How often the counts are read (5 s by default). Scrapes never read Redis. */
  intervalMs?: number;
}

/** A background reader of queue counts. */
export interface QueueSampler {
  /** Reads the counts now, after any reading in progress (the first happens at start). */
  refresh(): Promise<void>;
  /** Stops the timer and waits for a reading in progress. */
  stop(): Promise<void>;
}

/** The default interval of {@link startQueueSampler}. */
export const QUEUE_SAMPLE_INTERVAL_MS = 5_000;

/**
 * Keeps `cp_queue_jobs{queue, state}` (waiting, active, delayed, failed, completed) up to date
 * from a background timer, at most one Redis round trip per queue per interval however often
 * `/metrics` is scraped. A failed reading keeps the last values and is logged once per outage.
 */
export function startQueueSampler(queues: Queue[], opts: QueueSamplerOptions): QueueSampler {
  const gauge = gaugeOn(opts.registry, {
    name: 'cp_queue_jobs',
    help: `Jobs per queue and state, read every ${(opts.intervalMs ?? QUEUE_SAMPLE_INTERVAL_MS) / 1000} s in the background.`,
    labelNames: ['queue', 'state'] as const,
  });
  // Readings run one after another; a timer tick while one runs is skipped, not queued.
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  let lastFailure: string | undefined;

  const readAll = async (): Promise<void> => {
    for (const queue of queues) {
      try {
        const counts = await queue.getJobCounts(...SAMPLED_JOB_STATES);
        for (const state of SAMPLED_JOB_STATES) {
          gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
        }
        lastFailure = undefined;
      } catch (err) {
        const reason = describeCause(err);
        if (reason !== lastFailure) {
          opts.log.warn({ reason, queue: queue.name }, 'could not read queue counts');
          lastFailure = reason;
        }
      }
    }
  };
  const refresh = (): Promise<void> => {
    pending++;
    chain = chain.then(readAll).finally(() => {
      pending--;
    });
    return chain;
  };

  void refresh();
  const timer = setInterval(() => {
    if (pending === 0) {
      void refresh();
    }
  }, opts.intervalMs ?? QUEUE_SAMPLE_INTERVAL_MS);
  timer.unref();
  return {
    refresh,
    stop: async () => {
      clearInterval(timer);
      await chain;
    },
  };
}
