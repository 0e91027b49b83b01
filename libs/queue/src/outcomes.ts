import type { Logger } from '@cp/platform';
import { Job, type Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { decodeJobError, type JobError } from './job-error';

/** How a job ended, as far as a waiting request cares. */
export type JobOutcome =
  { status: 'succeeded'; result: unknown } | { status: 'failed'; error: JobError };

type Waiter = (outcome: JobOutcome | undefined) => void;

/**
 * Waits for job outcomes with one `QueueEvents` subscription per queue, however many requests
 * wait: a waiter is an entry in a map, not a listener, so thousands of concurrent waits add no
 * listeners and no connections. Every api process has its own, so it works with any number of
 * api replicas.
 */
export class JobOutcomes {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly events: QueueEvents;

  constructor(
    private readonly queue: Queue,
    private readonly connection: Redis,
    prefix: string,
    log: Logger,
  ) {
    this.events = new QueueEvents(queue.name, { connection, prefix });
    this.events.on('error', (err) => log.warn({ err, queue: queue.name }, 'queue events error'));
    this.events.on('completed', ({ jobId, returnvalue }) => {
      this.settle(jobId, { status: 'succeeded', result: parseReturnValue(returnvalue) });
    });
    this.events.on('failed', ({ jobId, failedReason }) => {
      this.settle(jobId, { status: 'failed', error: decodeJobError(failedReason) });
    });
  }

  /** Resolves once the subscription is reading the event stream. */
  async ready(): Promise<void> {
    await this.events.waitUntilReady();
  }

  /** How many requests are waiting now (for metrics and leak tests). */
  get waiting(): number {
    let count = 0;
    for (const set of this.waiters.values()) {
      count += set.size;
    }
    return count;
  }

  /**
   * The outcome of `jobId` if it ends within `timeoutMs` (or has already ended), else undefined.
   * Subscribes before reading the job's state, so an outcome landing in between is not lost.
   */
  async wait(
    jobId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<JobOutcome | undefined> {
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const outcome = new Promise<JobOutcome | undefined>((resolve) => {
      waiter = resolve;
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      onAbort = () => resolve(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.add(jobId, resolve);
    });
    try {
      const already = await this.current(jobId);
      if (already) {
        return already;
      }
      return await outcome;
    } finally {
      clearTimeout(timer);
      if (onAbort) {
        signal?.removeEventListener('abort', onAbort);
      }
      if (waiter) {
        this.remove(jobId, waiter);
      }
    }
  }

  /**
   * Ends every wait now, as if it had timed out (its request then answers 202 with the
   * operation). Used at shutdown, so no request outlives the process's deadline.
   */
  release(): void {
    for (const set of this.waiters.values()) {
      for (const waiter of set) {
        waiter(undefined);
      }
    }
  }

  /** Closes the subscription and its connection. */
  async close(): Promise<void> {
    await this.events.close();
    this.connection.disconnect();
  }

  /** The outcome of a job that has already ended, or undefined. */
  private async current(jobId: string): Promise<JobOutcome | undefined> {
    // One round trip in the common case (still running); the job itself only when it ended.
    const state = await this.queue.getJobState(jobId);
    if (state !== 'completed' && state !== 'failed') {
      return undefined;
    }
    const job = await Job.fromId(this.queue, jobId);
    if (!job) {
      return undefined;
    }
    return state === 'completed'
      ? { status: 'succeeded', result: job.returnvalue as unknown }
      : { status: 'failed', error: decodeJobError(job.failedReason) };
  }

  private add(jobId: string, waiter: Waiter): void {
    let set = this.waiters.get(jobId);
    if (!set) {
      set = new Set();
      this.waiters.set(jobId, set);
    }
    set.add(waiter);
  }

  private remove(jobId: string, waiter: Waiter): void {
    const set = this.waiters.get(jobId);
    if (set?.delete(waiter) && set.size === 0) {
      this.waiters.delete(jobId);
    }
  }

  private settle(jobId: string, outcome: JobOutcome): void {
    for (const waiter of this.waiters.get(jobId) ?? []) {
      waiter(outcome);
    }
  }
}

function parseReturnValue(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
