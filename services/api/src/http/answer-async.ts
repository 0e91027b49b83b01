import { jobErrorToAppError } from '@cp/queue';
import type { Request, Response } from 'express';
import { toOperationResponse } from '../mappers/operation.mapper';
import type { ApiQueues, OperationService } from '../services/operations.service';
import { waitBudgetMs } from './prefer';

/** Longest wait a `Prefer: wait=N` may ask for. */
export const MAX_WAIT_MS = 60_000;

export interface AnswerAsyncOptions {
  /** How long to wait without a `Prefer` header. */
  defaultWaitMs: number;
  /** Answers upstream's way once the job succeeded. */
  onSuccess: (result: unknown) => void;
}

/**
 * Answers a request whose work is job `jobId` (ARCHITECTURE.md §4): waits within the budget
 * the `Prefer` header and the route allow; a success gets upstream's answer, a refusal the
 * worker's 4xx (thrown to the error middleware); otherwise 202 + `Location` + the operation.
 * A client that goes away stops the wait.
 */
export async function answerAsync(
  req: Request,
  res: Response,
  operations: OperationService,
  job: { queue: keyof ApiQueues; jobId: string },
  opts: AnswerAsyncOptions,
): Promise<void> {
  const budget = waitBudgetMs(req.get('prefer'), opts.defaultWaitMs, MAX_WAIT_MS);
  if (budget > 0) {
    const gone = new AbortController();
    const abort = () => gone.abort();
    res.once('close', abort);
    try {
      const outcome = await operations.wait(job.queue, job.jobId, budget, gone.signal);
      if (outcome?.status === 'succeeded') {
        opts.onSuccess(outcome.result);
        return;
      }
      if (outcome?.status === 'failed') {
        throw jobErrorToAppError(outcome.error);
      }
    } finally {
      res.off('close', abort);
    }
  }
  const operation = await operations.describe(job.jobId);
  res
    .status(202)
    .location(`/api/operations/${encodeURIComponent(job.jobId)}`)
    .json(toOperationResponse(operation));
}
