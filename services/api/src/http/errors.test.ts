import { AppError, ERROR_CODES, ErrorResponse, MESSAGES } from '@cp/contracts';
import { z } from 'zod';
import { HTTP_STATUS, toHttpError } from './errors';

describe(toHttpError.name, () => {
  const requestId = '00000000-0000-4000-8000-000000000000';

  it('gives every error code a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) {
      expect(HTTP_STATUS[code]).toBeGreaterThanOrEqual(400);
    }
  });

  it('maps a ZodError to 400 with the first message and every issue in details', () => {
    const result = z
      .object({
        a: z.string({ error: 'a is required' }),
        b: z.number({ error: 'b must be a number' }),
      })
      .safeParse({});
    if (result.success) {
      throw new Error('expected a failure');
    }
    const sut = toHttpError(result.error, requestId);
    expect(sut.status).toBe(400);
    expect(ErrorResponse.parse(sut.body)).toEqual({
      error: 'a is required',
      code: 'VALIDATION_FAILED',
      request_id: requestId,
      details: [
        { path: 'a', message: 'a is required' },
        { path: 'b', message: 'b must be a number' },
      ],
    });
  });

  it('maps an AppError to its status, sentence and extra body fields', () => {
    const sut = toHttpError(
      new AppError('DISPLAY_NAME_TAKEN', MESSAGES.displayNameTaken, { body: { hint: 'x' } }),
      requestId,
    );
    expect(sut.status).toBe(409);
    expect(sut.body).toEqual({
      error: MESSAGES.displayNameTaken,
      code: 'DISPLAY_NAME_TAKEN',
      request_id: requestId,
      hint: 'x',
    });
    expect(sut.unexpected).toBe(false);
  });

  it('lets an upstream body carry its own lowercase code', () => {
    const sut = toHttpError(
      new AppError('ACTIVE_AGENTS_BOUND', MESSAGES.runtimeActiveAgents, {
        body: { code: 'runtime_has_active_agents', active_agents: [] },
      }),
      requestId,
    );
    expect(sut.status).toBe(409);
    expect(sut.body.code).toBe('runtime_has_active_agents');
    expect(sut.body.active_agents).toEqual([]);
  });

  it('adds Retry-After to a 503', () => {
    const sut = toHttpError(
      new AppError('QUEUE_UNAVAILABLE', 'queue unavailable', { retryAfterSeconds: 2 }),
      requestId,
    );
    expect(sut.status).toBe(503);
    expect(sut.headers['Retry-After']).toBe('2');
  });

  it('maps malformed JSON to 400 invalid request body', () => {
    const sut = toHttpError(
      Object.assign(new SyntaxError('Unexpected token'), { type: 'entity.parse.failed' }),
      requestId,
    );
    expect(sut.status).toBe(400);
    expect(sut.body.error).toBe(MESSAGES.invalidRequestBody);
  });

  it('maps an oversized body to 413', () => {
    const sut = toHttpError(
      Object.assign(new Error('too large'), { type: 'entity.too.large' }),
      requestId,
    );
    expect(sut.status).toBe(413);
    expect(sut.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides anything else behind a fixed 500 sentence', () => {
    const sut = toHttpError(new Error('connection string postgres://secret@db'), requestId);
    expect(sut.status).toBe(500);
    expect(sut.body).toEqual({ error: MESSAGES.internal, code: 'INTERNAL', request_id: requestId });
    expect(sut.unexpected).toBe(true);
  });
});
