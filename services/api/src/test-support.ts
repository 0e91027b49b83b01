import { ErrorResponse } from '@cp/contracts';
import type { Db } from '@cp/db';
import { createLogger } from '@cp/platform';
import { idleRelay, unused } from '@cp/testing';
import type { Express } from 'express';
import { type ApiDeps, createApp, DEFAULT_AUTH_OPTIONS } from './app';

// Shared by the api's integration tests. Kept free of jest and supertest so it builds with the
// service; nothing outside tests imports it.

/**
 * The api as the integration tests build it: a real database, silent logs, the default auth
 * options, no readiness probes, events left in the outbox and no queues unless `overrides`
 * bring them.
 * Each app has its own auth cache, so a test that revokes a token after using it builds a
 * fresh one.
 */
export function buildTestApp(db: Db, overrides: Partial<ApiDeps> = {}): Express {
  return createApp({
    db,
    log: createLogger('test', 'silent'),
    relay: idleRelay,
    auth: DEFAULT_AUTH_OPTIONS,
    queues: { registry: unused('registry queue'), cascade: unused('cascade queue') },
    feed: unused('event feed'),
    registerWaitMs: 1_000,
    probes: {},
    readinessTimeoutMs: 500,
    ...overrides,
  });
}

/** What a test needs of a response. */
export interface TestResponse {
  status: number;
  body: unknown;
  get(header: string): string | undefined;
}

/** An error answer: its status and contract-checked body, without the request id. */
export type ErrorAnswer = Omit<ErrorResponse, 'request_id'> & { status: number };

/**
 * Parses an error answer with {@link ErrorResponse} and checks its `request_id` is the echoed
 * `X-Request-ID`; throws when either does not hold. Compare the result with `toEqual`.
 */
export function errorOf(res: TestResponse): ErrorAnswer {
  const { request_id: requestId, ...body } = ErrorResponse.parse(res.body);
  if (!requestId || requestId !== res.get('x-request-id')) {
    throw new Error(`request_id ${requestId} is not the echoed X-Request-ID`);
  }
  return { status: res.status, ...body };
}
