import type { Logger } from '@cp/platform';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';

/**
 * Probes, scrapes and daemon heartbeats come every few seconds (heartbeats once per runtime of
 * every daemon): answered well, they are logged at debug, not info.
 */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/api/daemon/heartbeat']);

const pathOf = (url: string | undefined): string => (url ?? '').split('?')[0] ?? '';

/**
 * One JSON line per answered request (pino-http): `requestId` (the id the request-id
 * middleware chose), method, path, status and `responseTime`. Never bodies, headers (so no
 * token and no cookie) or query strings. 5xx log at error; probes, scrapes and heartbeats
 * below 400 at debug.
 * Mount it after the request-id middleware.
 */
export function requestLogMiddleware(log: Logger): RequestHandler {
  const logger = pinoHttp<Request, Response>({
    logger: log,
    genReqId: (_req, res) => res.locals.requestId,
    customAttributeKeys: { reqId: 'requestId' },
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      req: (req: Request) => ({ method: req.method, path: pathOf(req.originalUrl) }),
      res: (res: Response) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req, res, err) => {
      if (err !== undefined || res.statusCode >= 500) {
        return 'error';
      }
      return res.statusCode < 400 && QUIET_PATHS.has(pathOf(req.originalUrl)) ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res) =>
      `${req.method} ${pathOf(req.originalUrl)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req.originalUrl)} ${res.statusCode}`,
  });
  return (req, res, next) => logger(req, res, next);
}
