import { randomBytes } from 'node:crypto';
import { AppError, MESSAGES } from '@cp/contracts';
import type { Db } from '@cp/db';
import { type Logger, MetricsRegistry } from '@cp/platform';
import express, { type Express } from 'express';
import { authenticate, requireMember } from './http/auth';
import { httpMetricsMiddleware, routeTemplate } from './http/metrics';
import { requestLogMiddleware } from './http/request-log';
import { createAdminSessions } from './http/session';
import { errorMiddleware } from './http/errors';
import { requestIdMiddleware } from './http/request-id';
import { adminRoutes } from './routes/admin.routes';
import { agentRoutes } from './routes/agents.routes';
import { daemonRoutes } from './routes/daemon.routes';
import { eventRoutes } from './routes/events.routes';
import { healthRoutes, type Probe } from './routes/health.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { openApiRoutes } from './routes/openapi.routes';
import { operationRoutes } from './routes/operations.routes';
import { runtimeProfileRoutes } from './routes/runtime-profiles.routes';
import { runtimeRoutes } from './routes/runtimes.routes';
import { type AuthOptions, AuthService } from './services/auth.service';
import type { EventFeed, OutboxRelay } from '@cp/queue';
import { type ApiQueues, OperationService } from './services/operations.service';
import { AgentService } from './services/agent.service';
import { DeletionService } from './services/deletion.service';
import { HeartbeatService } from './services/heartbeat.service';
import { RegistrationService } from './services/registration.service';
import { RuntimeProfileService } from './services/runtime-profile.service';

/** Everything the HTTP layer needs, injected so tests build the app on real services. */
export interface ApiDeps {
  db: Db;
  log: Logger;
  /** Publishes the events a request committed (kicked after each commit). */
  relay: Pick<OutboxRelay, 'kick'>;
  auth: AuthOptions;
  queues: ApiQueues;
  /** The live event stream behind `GET /api/workspaces/{id}/events`. */
  feed: EventFeed;
  /** How often an idle event stream gets a keep-alive comment (15 s by default). */
  sseKeepAliveMs?: number;
  /** How long a registration waits for its outcome without a `Prefer` header. */
  registerWaitMs: number;
  /** Readiness probes by dependency name (`postgres`, `redis`). */
  probes: Record<string, Probe>;
  readinessTimeoutMs: number;
  /** The ops surface: metrics, dashboard sessions, scrape token ({@link ephemeralOps} when absent). */
  ops?: ApiOps;
}

/** What the ops surface (`/metrics`, `/admin/*`) needs. */
export interface ApiOps {
  /** The process's metrics registry (`GET /metrics` serves it). */
  metrics: MetricsRegistry;
  /** Signs the dashboard's session cookies; the same secret keeps sessions valid across restarts. */
  sessionSecret: string;
  sessionTtlMs: number;
  /** Session cookies are `Secure` (set behind HTTPS). */
  secureCookie: boolean;
  /** The scrape token `GET /metrics` also accepts. */
  metricsToken?: string;
}

/** Ops for an app built without them (tests): an empty registry and a fresh secret. */
export function ephemeralOps(): ApiOps {
  return {
    metrics: new MetricsRegistry(),
    sessionSecret: randomBytes(32).toString('base64url'),
    sessionTtlMs: 3_600_000,
    secureCookie: false,
  };
}

export { BODY_LIMIT } from './http/json-body';

/** Auth defaults: lookups trusted 5 s, `last_used_at` written at most once a minute. */
export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  cacheTtlMs: 5_000,
  cacheMaxEntries: 10_000,
  touchIntervalSeconds: 60,
};

/** Builds the Express app: request ids, routes, the one error middleware. No I/O here. */
export function createApp(deps: ApiDeps): Express {
  const auth = new AuthService(deps.db, deps.auth, deps.log);
  const profiles = new RuntimeProfileService(deps.db, deps.relay);
  const operations = new OperationService(deps.queues);
  const registrations = new RegistrationService(auth, deps.queues.registry);
  const deletions = new DeletionService(deps.db, auth, deps.queues.cascade);
  const agents = new AgentService(deps.db);
  const ops = deps.ops ?? ephemeralOps();
  const sessions = createAdminSessions({ secret: ops.sessionSecret, ttlMs: ops.sessionTtlMs });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestIdMiddleware(deps.log));
  app.use(requestLogMiddleware(deps.log));
  app.use(httpMetricsMiddleware(ops.metrics));
  app.use(healthRoutes(deps.probes, deps.readinessTimeoutMs));
  app.use(metricsRoutes({ auth, sessions, registry: ops.metrics, scrapeToken: ops.metricsToken }));
  app.use(
    adminRoutes({
      auth,
      sessions,
      cookie: { secure: ops.secureCookie },
      queues: () => [deps.queues.registry.producer.queue, deps.queues.cascade.producer.queue],
    }),
  );
  app.use(openApiRoutes());

  app.use(
    '/api/workspaces/:workspaceId/runtime-profiles',
    routeTemplate('/api/workspaces/:workspaceId/runtime-profiles'),
    authenticate(auth, 'user'),
    requireMember(auth),
    runtimeProfileRoutes({ profiles, deletions, operations }),
  );
  // No app-wide body parser: each route reads its JSON body (readJsonBody) after its auth and
  // path checks, so those answer first, as upstream's do.
  app.use(
    '/api/workspaces/:workspaceId/events',
    routeTemplate('/api/workspaces/:workspaceId/events'),
    authenticate(auth, 'user'),
    requireMember(auth),
    eventRoutes(deps.feed, deps.sseKeepAliveMs),
  );
  // Agents, squads and autopilots (any member). Mounted on the workspace itself, after the more
  // specific workspace mounts above; any other path under a workspace is therefore checked for
  // a member (401/404) before it is a 404 route, as under upstream's member group.
  app.use(
    '/api/workspaces/:workspaceId',
    routeTemplate('/api/workspaces/:workspaceId'),
    authenticate(auth, 'user'),
    requireMember(auth),
    agentRoutes({ agents }),
  );
  app.use(
    '/api/daemon',
    routeTemplate('/api/daemon'),
    authenticate(auth, 'daemon'),
    daemonRoutes({
      auth,
      profiles,
      registrations,
      heartbeats: new HeartbeatService(deps.db, auth),
      operations,
      registerWaitMs: deps.registerWaitMs,
    }),
  );
  app.use(
    '/api/operations',
    routeTemplate('/api/operations'),
    authenticate(auth, 'daemon'),
    operationRoutes(auth, operations),
  );
  app.use(
    '/api/runtimes',
    routeTemplate('/api/runtimes'),
    authenticate(auth, 'user'),
    runtimeRoutes({ auth, db: deps.db, deletions, operations }),
  );

  app.use((_req, _res, next) => next(new AppError('ROUTE_NOT_FOUND', MESSAGES.routeNotFound)));
  app.use(errorMiddleware(deps.log));
  return app;
}
