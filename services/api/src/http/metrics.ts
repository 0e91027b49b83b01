import { histogramOn, type MetricsRegistry } from '@cp/platform';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Records the route template of a mount (`/api/workspaces/:workspaceId/runtime-profiles`), so
 * request metrics are labelled by template, never by a URL with ids in it. Put it first in the
 * mount's handlers.
 */
export function routeTemplate(template: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.routeBase = template;
    next();
  };
}

/**
 * A request's route label: its mount template plus the matched route's path. A request no route
 * matched (refused before its route, or a 404) is `<mount>/*`, or `unmatched` outside any mount.
 */
export function routeLabel(req: Request, res: Response): string {
  const base = res.locals.routeBase ?? '';
  const route: unknown = req.route;
  const path =
    typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string'
      ? route.path
      : undefined;
  if (path !== undefined) {
    return base !== '' && path === '/' ? base : `${base}${path}`;
  }
  return base === '' ? 'unmatched' : `${base}/*`;
}

/** Request duration buckets: most answers take milliseconds, a waiting registration seconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * `cp_http_request_duration_seconds{method, route, status}`, observed when the answer has been
 * sent. A request whose client left before the answer is not observed.
 */
export function httpMetricsMiddleware(registry: MetricsRegistry): RequestHandler {
  const duration = histogramOn(registry, {
    name: 'cp_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
  });
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      duration.observe(
        { method: req.method, route: routeLabel(req, res), status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
