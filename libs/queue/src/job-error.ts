import { AppError, ERROR_CODES, type ErrorCode, type ErrorDetail } from '@cp/contracts';

/** A job failure as stored in BullMQ's `failedReason` and read back for an operation. */
export interface JobError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  /** Extra fields an upstream-compatible answer carries (e.g. `active_agents`). */
  body?: Record<string, unknown>;
}

const MARK = 'cp-error:';

/**
 * Encodes a domain error into a BullMQ failure reason, so the code and details survive the trip
 * through Redis to whoever reads the operation.
 */
export function encodeJobError(err: AppError): string {
  const value: JobError = { code: err.code, message: err.message };
  if (err.opts.details) {
    value.details = err.opts.details;
  }
  if (err.opts.body) {
    value.body = err.opts.body;
  }
  return MARK + JSON.stringify(value);
}

/** Decodes a failure reason; anything not written by {@link encodeJobError} is `INTERNAL`. */
export function decodeJobError(reason: string | undefined): JobError {
  if (reason?.startsWith(MARK)) {
    try {
      const value = JSON.parse(reason.slice(MARK.length)) as Partial<JobError>;
      if (
        typeof value.message === 'string' &&
        (ERROR_CODES as readonly string[]).includes(value.code ?? '')
      ) {
        return value as JobError;
      }
    } catch {
      // fall through: a reason we did not write
    }
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

/** Rebuilds the AppError a job failed with. */
export function jobErrorToAppError(error: JobError): AppError {
  return new AppError(error.code, error.message, { details: error.details, body: error.body });
}
