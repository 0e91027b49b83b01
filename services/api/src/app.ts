import { AppError, MESSAGES } from '@cp/contracts';
import type { Db } from '@cp/db';
import type { Logger } from '@cp/platform';
import express, { type Express } from 'express';
import { errorMiddleware } from './http/errors';
import { requestIdMiddleware } from './http/request-id';
import { healthRoutes, type Probe } from './routes/health.routes';

/** Everything the HTTP layer needs, injected so tests build the app on real services. */
export interface ApiDeps {
  db: Db;
  log: Logger;
  /** Readiness probes by dependency name (`postgres`, `redis`). */
  probes: Record<string, Probe>;
  readinessTimeoutMs: number;
}

/** JSON bodies above this get 413. */
export const BODY_LIMIT = '256kb';

/** Builds the Express app: request ids, routes, the one error middleware. No I/O here. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestIdMiddleware(deps.log));
  app.use(healthRoutes(deps.probes, deps.readinessTimeoutMs));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use((_req, _res, next) => next(new AppError('ROUTE_NOT_FOUND', MESSAGES.routeNotFound)));
  app.use(errorMiddleware(deps.log));
  return app;
}
