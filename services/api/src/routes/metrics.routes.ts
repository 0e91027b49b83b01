import type { MetricsRegistry } from '@cp/platform';
import { Router } from 'express';
import { requireMetricsAccess } from '../http/auth';
import type { AdminSessions } from '../http/session';
import type { AuthService } from '../services/auth.service';

/**
 * `GET /metrics`: the process's registry in Prometheus text format, for the scrape token or an
 * operator. Serving reads no queue: the queue gauges are refreshed in the background.
 */
export function metricsRoutes(deps: {
  auth: AuthService;
  sessions: AdminSessions;
  registry: MetricsRegistry;
  scrapeToken: string | undefined;
}): Router {
  const router = Router();
  router.get(
    '/metrics',
    requireMetricsAccess(deps.auth, deps.sessions, deps.scrapeToken),
    async (_req, res) => {
      const body = await deps.registry.metrics();
      res
        .set({ 'Cache-Control': 'no-store', 'Content-Type': deps.registry.contentType })
        .send(body);
    },
  );
  return router;
}
