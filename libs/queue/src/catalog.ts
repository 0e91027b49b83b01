import {
  ProfileDeletePayload,
  RuntimeDeletePayload,
  RuntimeRegisterPayload,
  SweepDeletionsPayload,
} from '@cp/contracts';
import type { z } from 'zod';

/**
 * Queue names. They are part of Redis keys: **never rename one**, or queued jobs are stranded.
 * Add a new name, drain the old queue, then drop it.
 */
export const QUEUE_NAMES = ['registry', 'cascade'] as const;
/** One of {@link QUEUE_NAMES}. */
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Builds a job id from parts. BullMQ rejects ids with ':' or made only of digits, so the job name comes first. */
export const jobKey = (...parts: string[]): string => parts.join('.');

/** One catalog entry: the queue a job goes to, its payload schema and its id rule. */
export interface JobSpec<Q extends QueueName = QueueName, S extends z.ZodType = z.ZodType> {
  queue: Q;
  payload: S;
  /** Job id = operation id. Default: `<name>.<random uuid>`. */
  jobId?: (payload: z.infer<S>) => string;
}

/** Declares a catalog entry, keeping its queue and payload types literal. */
export const defineJob = <Q extends QueueName, S extends z.ZodType>(spec: JobSpec<Q, S>) => spec;

/**
 * Every job the system runs, bound to its queue and payload schema. Job names are part of
 * stored jobs: **never rename one**; add the new name, handle both, drop the old one once drained.
 * Entries arrive with the features that produce them.
 */
export const jobCatalog = {
  'runtime.register': defineJob({ queue: 'registry', payload: RuntimeRegisterPayload }),
  // Target-derived ids: two deletes of one target are one job. The profile's includes its
  // deletion mark, so a new request after a refusal gets a new job.
  'profile.delete': defineJob({
    queue: 'cascade',
    payload: ProfileDeletePayload,
    jobId: (p) => jobKey('profile.delete', p.profileId, String(Date.parse(p.deletionRequestedAt))),
  }),
  // Recurring (a Job Scheduler the cascade worker upserts at start); ids are BullMQ's.
  'profile.sweep-deletions': defineJob({ queue: 'cascade', payload: SweepDeletionsPayload }),
  'runtime.delete': defineJob({
    queue: 'cascade',
    payload: RuntimeDeletePayload,
    jobId: (p) => jobKey('runtime.delete', p.runtimeId),
  }),
} as const satisfies Record<string, JobSpec>;

/** A job name in the catalog. */
export type JobName = keyof typeof jobCatalog;
type Catalog = typeof jobCatalog;
/** The parsed payload of job `N`. */
export type JobPayload<N extends JobName> = z.infer<Catalog[N]['payload']>;
/** The job names that go to queue `Q`. */
export type JobsOn<Q extends QueueName> = {
  [N in JobName]: Catalog[N]['queue'] extends Q ? N : never;
}[JobName];
