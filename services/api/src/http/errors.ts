import { AppError, type ErrorCode, type ErrorResponse, MESSAGES } from '@cp/contracts';
import type { Logger } from '@cp/platform';
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';

/** The one place codes become statuses. A code without a status does not compile. */
export const HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  UNKNOWN_PROFILE: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  WORKSPACE_NOT_FOUND: 404,
  PROFILE_NOT_FOUND: 404,
  RUNTIME_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  SQUAD_NOT_FOUND: 404,
  OPERATION_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  DISPLAY_NAME_TAKEN: 409,
  AGENT_NAME_TAKEN: 409,
  PROFILE_DISABLED: 409,
  PROFILE_DELETING: 409,
  ACTIVE_AGENTS_BOUND: 409,
  ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUEUE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

/** An error turned into an HTTP answer. */
export interface HttpError {
  status: number;
  body: ErrorResponse & Record<string, unknown>;
  headers: Record<string, string>;
  /** True when the error is ours to fix (500): log it with its stack. */
  unexpected: boolean;
}

/** body-parser's errors carry a `type`; these are the ones a client causes. */
const BODY_PARSER_ERRORS: Record<string, 'VALIDATION_FAILED' | 'PAYLOAD_TOO_LARGE' | undefined> = {
  'entity.parse.failed': 'VALIDATION_FAILED',
  'encoding.unsupported': 'VALIDATION_FAILED',
  'charset.unsupported': 'VALIDATION_FAILED',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
};

function bodyParserType(err: unknown): string | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Maps anything thrown below the routes to status, body and headers. Pure, so every branch is
 * unit-tested.
 *
 * | thrown                | answer                                                 |
 * | --------------------- | ------------------------------------------------------ |
 * | ZodError              | 400 VALIDATION_FAILED, first issue's message, details  |
 * | malformed JSON        | 400 VALIDATION_FAILED `invalid request body`           |
 * | body over the limit   | 413 PAYLOAD_TOO_LARGE                                  |
 * | AppError              | its code's status, message, details, extra body fields |
 * | anything else         | 500 INTERNAL `internal error`                          |
 */
export function toHttpError(err: unknown, requestId: string): HttpError {
  const answer = (
    code: ErrorCode,
    message: string,
    extra: Partial<Pick<HttpError, 'headers'>> & {
      details?: ErrorResponse['details'];
      body?: Record<string, unknown>;
    } = {},
  ): HttpError => ({
    status: HTTP_STATUS[code],
    body: {
      error: message,
      code,
      request_id: requestId,
      ...(extra.details && extra.details.length > 0 ? { details: extra.details } : {}),
      ...extra.body,
    },
    headers: extra.headers ?? {},
    unexpected: code === 'INTERNAL',
  });

  if (err instanceof ZodError) {
    const details = err.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    return answer('VALIDATION_FAILED', details[0]?.message ?? MESSAGES.invalidRequestBody, {
      details,
    });
  }
  if (err instanceof AppError) {
    const headers: Record<string, string> = {};
    if (err.code === 'QUEUE_UNAVAILABLE') {
      headers['Retry-After'] = String(err.opts.retryAfterSeconds ?? 1);
    }
    // An upstream body may carry its own lowercase `code` (runtime delete's conflict): it wins.
    return answer(err.code, err.message, {
      details: err.opts.details,
      body: err.opts.body,
      headers,
    });
  }
  const parserCode = BODY_PARSER_ERRORS[bodyParserType(err) ?? ''];
  if (parserCode === 'PAYLOAD_TOO_LARGE') {
    return answer(parserCode, MESSAGES.payloadTooLarge);
  }
  if (parserCode === 'VALIDATION_FAILED') {
    return answer(parserCode, MESSAGES.invalidRequestBody);
  }
  return answer('INTERNAL', MESSAGES.internal);
}

/** The one error middleware: answers with {@link toHttpError}, logs 500s with their stack. */
export function errorMiddleware(fallbackLog: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const locals = res.locals as Partial<{ requestId: string; log: Logger }>;
    const requestId = locals.requestId ?? 'unknown';
    const mapped = toHttpError(err, requestId);
    if (mapped.unexpected) {
      (locals.log ?? fallbackLog).error(
        { err, requestId, method: req.method, path: req.path },
        'unexpected error',
      );
    }
    res.status(mapped.status).set(mapped.headers).json(mapped.body);
  };
}
