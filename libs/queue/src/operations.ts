import { Job, type Queue } from 'bullmq';
import { decodeJobError, type JobError } from './job-error';

/** A job seen from outside, camelCase (the api maps it to the wire). */
export interface Operation {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  workspaceId: string;
  targetId: string | null;
  result: unknown;
  error: JobError | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What an operation is about: the payload's workspace and the target it names. */
export type TargetOf = (data: Record<string, unknown>) => string | null;

/**
 * Reads job `id` from `queue` as an operation; undefined when no such job exists (never
 * enqueued, or removed after its retention). Waiting, delayed and prioritized jobs are
 * `queued`; a job between retries is `queued` too, since it will run again.
 */
export async function readOperation(
  queue: Queue,
  id: string,
  targetOf: TargetOf,
): Promise<Operation | undefined> {
  // The state is read before the job's fields: read after, it could already say `completed`
  // while the fields were read before the job finished (succeeded with a null result).
  const state = await queue.getJobState(id);
  const job = await Job.fromId(queue, id);
  if (!job) {
    return undefined;
  }
  const data = (job.data ?? {}) as Record<string, unknown>;
  const status: Operation['status'] =
    state === 'completed'
      ? 'succeeded'
      : state === 'failed'
        ? 'failed'
        : state === 'active'
          ? 'running'
          : 'queued';
  const updated = job.finishedOn ?? job.processedOn ?? job.timestamp;
  return {
    id,
    kind: job.name,
    status,
    workspaceId: typeof data.workspaceId === 'string' ? data.workspaceId : '',
    targetId: targetOf(data),
    result: status === 'succeeded' ? (job.returnvalue as unknown) : null,
    error: status === 'failed' ? decodeJobError(job.failedReason) : null,
    createdAt: new Date(job.timestamp),
    updatedAt: new Date(updated),
  };
}
