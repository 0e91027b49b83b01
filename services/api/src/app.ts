import { AppError, MESSAGES } from '@cp/contracts';
import type { Db } from '@cp/db';
import type { Logger } from '@cp/platform';
import express, { type Express } from 'express';
import { authenticate, requireMember } from './http/auth';
import { errorMiddleware } from './http/errors';
import { requestIdMiddleware } from './http/request-id';
import { daemonRoutes } from './routes/daemon.routes';
import { healthRoutes, type Probe } from './routes/health.routes';
import { runtimeProfileRoutes } from './routes/runtime-profiles.routes';
import { runtimeRoutes } from './routes/runtimes.routes';
import { type AuthOptions, AuthService } from './services/auth.service';
import type { EventSink } from './services/events';
import { RuntimeProfileService } from './services/runtime-profile.service';

/** Everything the HTTP layer needs, injected so tests build the app on real services. */
export interface ApiDeps {
  db: Db;
  log: Logger;
  events: EventSink;
  auth: AuthOptions;
  /** Readiness probes by dependency name (`postgres`, `redis`). */
  probes: Record<string, Probe>;
  readinessTimeoutMs: number;
}

/** JSON bodies above this get 413. */
export const BODY_LIMIT = '256kb';

/** Auth defaults: lookups trusted 5 s, `last_used_at` written at most once a minute. */
export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  cacheTtlMs: 5_000,
  cacheMaxEntries: 10_000,
  touchIntervalSeconds: 60,
};

/** Builds the Express app: request ids, routes, the one error middleware. No I/O here. */
export function createApp(deps: ApiDeps): Express {
  const auth = new AuthService(deps.db, deps.auth, deps.log);
  const profiles = new RuntimeProfileService(deps.db, deps.events);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestIdMiddleware(deps.log));
  app.use(healthRoutes(deps.probes, deps.readinessTimeoutMs));
  app.use(express.json({ limit: BODY_LIMIT }));

  app.use(
    '/api/workspaces/:workspaceId/runtime-profiles',
    authenticate(auth, 'user'),
    requireMember(auth),
    runtimeProfileRoutes(profiles),
  );
  app.use('/api/daemon', authenticate(auth, 'daemon'), daemonRoutes(auth, profiles));
  app.use('/api/runtimes', authenticate(auth, 'user'), runtimeRoutes(auth, deps.db));

  app.use((_req, _res, next) => next(new AppError('ROUTE_NOT_FOUND', MESSAGES.routeNotFound)));
  app.use(errorMiddleware(deps.log));
  return app;
}
