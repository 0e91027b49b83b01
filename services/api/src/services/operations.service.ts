import { AppError, MESSAGES } from '@cp/contracts';
import {
  type JobOutcome,
  type JobOutcomes,
  type Operation,
  type Producer,
  type QueueName,
  readOperation,
  type TargetOf,
} from '@cp/queue';

/** One queue as the api uses it: adding jobs and learning their outcomes. */
export interface QueueAccess<Q extends QueueName> {
  producer: Producer<Q>;
  outcomes: JobOutcomes;
}

/** The queues the api talks to. */
export interface ApiQueues {
  registry: QueueAccess<'registry'>;
  cascade: QueueAccess<'cascade'>;
}

/** Which queue holds an operation and what its target is, by the job name its id starts with. */
const ROUTES: { prefix: string; queue: keyof ApiQueues; target: TargetOf }[] = [
  {
    prefix: 'runtime.register.',
    queue: 'registry',
    target: (data) => (typeof data.daemonId === 'string' ? data.daemonId : null),
  },
  {
    prefix: 'profile.delete.',
    queue: 'cascade',
    target: (data) => (typeof data.profileId === 'string' ? data.profileId : null),
  },
  {
    prefix: 'runtime.delete.',
    queue: 'cascade',
    target: (data) => (typeof data.runtimeId === 'string' ? data.runtimeId : null),
  },
];

/** Operations: jobs seen from outside. */
export class OperationService {
  constructor(private readonly queues: ApiQueues) {}

  /** The operation with this id. @throws AppError `OPERATION_NOT_FOUND` when unknown or gone. */
  async describe(id: string): Promise<Operation> {
    const route = ROUTES.find((r) => id.startsWith(r.prefix));
    const operation = route
      ? await readOperation(this.queues[route.queue].producer.queue, id, route.target)
      : undefined;
    if (!operation) {
      throw new AppError('OPERATION_NOT_FOUND', MESSAGES.operationNotFound);
    }
    return operation;
  }

  /** Waits up to `timeoutMs` for a job of `queue` to end. */
  wait(
    queue: keyof ApiQueues,
    jobId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<JobOutcome | undefined> {
    return this.queues[queue].outcomes.wait(jobId, timeoutMs, signal);
  }
}
