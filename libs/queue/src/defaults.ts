import type { DefaultJobOptions } from 'bullmq';

/**
 * Job defaults for every queue: five attempts with exponential backoff and jitter for
 * transient failures; completed jobs kept an hour (operations stay readable), failed a week.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
