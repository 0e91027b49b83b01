import { randomUUID } from 'node:crypto';
import type { Logger } from '@cp/platform';
import type { RequestHandler } from 'express';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Gives every request an id: the caller's `X-Request-ID` when it is a UUID, else a new one.
 * It is echoed in the response header, put in every error body, and bound to `res.locals.log`.
 */
export function requestIdMiddleware(log: Logger): RequestHandler {
  return (req, res, next) => {
    const offered = req.get('x-request-id');
    const requestId = offered && UUID.test(offered) ? offered.toLowerCase() : randomUUID();
    res.locals.requestId = requestId;
    res.locals.log = log.child({ requestId });
    res.set('X-Request-ID', requestId);
    next();
  };
}
