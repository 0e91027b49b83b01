import type { Express } from 'express';

/** A route an Express app answers, in OpenAPI's path syntax (`{workspaceId}`). */
export interface ServedRoute {
  /** Lower-case HTTP method; `all` for `router.all`. */
  method: string;
  path: string;
}

/** What {@link listServedRoutes} finds: routes, and mount points of whole sub-applications. */
export interface ServedRoutes {
  routes: ServedRoute[];
  /**
   * Paths whose whole subtree one handler answers (the queue dashboard, a mounted Express app):
   * the paths below are that handler's own.
   */
  mounts: string[];
}

// The parts of router 2's Layer and Route that the walk reads. They are internals, not typed
// by @types/express, so every read is checked and a change of shape fails loudly.
interface LayerShape {
  handle: unknown;
  name: unknown;
  rawPath: unknown;
  route: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function stackOf(router: unknown): LayerShape[] | undefined {
  if (!isRecord(router) || !Array.isArray(router.stack)) {
    return undefined;
  }
  return router.stack.map((layer: unknown): LayerShape => {
    if (!isRecord(layer) || !('handle' in layer)) {
      throw new Error('unexpected Express router layer: the router internals changed');
    }
    return { handle: layer.handle, name: layer.name, rawPath: layer.rawPath, route: layer.route };
  });
}

function pathOf(raw: unknown, where: string): string {
  if (typeof raw !== 'string') {
    throw new Error(
      `${where}: only string paths can be listed (got ${raw instanceof RegExp ? 'a RegExp' : typeof raw})`,
    );
  }
  return raw;
}

/** Joins mount paths and turns Express params (`:id`) into OpenAPI's (`{id}`). */
export function toOpenApiPath(...parts: string[]): string {
  const joined = parts
    .join('/')
    .replace(/\/{2,}/g, '/')
    .replace(/(.)\/$/, '$1');
  return (joined.startsWith('/') ? joined : `/${joined}`).replace(
    /:([A-Za-z_][A-Za-z0-9_]*)/g,
    '{$1}',
  );
}

/** Whether two layers were mounted with the same path string. */
const samePath = (a: unknown, b: unknown): boolean => typeof a === 'string' && a === b;

function walk(stack: LayerShape[], prefix: string, found: ServedRoutes): void {
  stack.forEach((layer, i) => {
    if (isRecord(layer.route)) {
      const path = toOpenApiPath(prefix, pathOf(layer.route.path, 'route'));
      const methods = layer.route.methods;
      if (!isRecord(methods)) {
        throw new Error(`route ${path}: no method table; the router internals changed`);
      }
      for (const [method, on] of Object.entries(methods)) {
        if (on === true) {
          found.routes.push({ method: method === '_all' ? 'all' : method, path });
        }
      }
      return;
    }
    const nested = stackOf(layer.handle);
    if (nested) {
      walk(nested, toOpenApiPath(prefix, pathOf(layer.rawPath, 'router mount')), found);
      return;
    }
    // `use(path, a, b, c)` makes consecutive layers with one path. When the last of them is
    // neither a router nor a route, it answers the whole subtree itself: a mounted Express app
    // (`mounted_app`) or a handler such as the dashboard's. Middleware mounted at the root
    // (request ids, logs, the 404 and error handlers) is not a route.
    const next = stack[i + 1];
    const lastOfItsPath = next === undefined || !samePath(next.rawPath, layer.rawPath);
    if (layer.name === 'mounted_app' || (lastOfItsPath && layer.rawPath !== '/')) {
      found.mounts.push(toOpenApiPath(prefix, pathOf(layer.rawPath, 'app mount')));
    }
  });
}

/**
 * Every route an Express 5 app serves, found by walking its router stack (router 2's layers:
 * `route` for `app.get(...)`-style routes, a nested `stack` for routers, `rawPath` for a mount's
 * path), and the mount points whose subtree a single handler answers. Middleware is skipped.
 * Throws when a path is not a string or the internals do not have the expected shape, so a
 * router upgrade cannot make the list silently empty.
 */
export function listServedRoutes(app: Express): ServedRoutes {
  const stack = stackOf(app.router);
  if (!stack) {
    throw new Error('the app has no router stack: the Express internals changed');
  }
  const found: ServedRoutes = { routes: [], mounts: [] };
  walk(stack, '/', found);
  return found;
}
