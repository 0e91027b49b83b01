import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { describeCause, StartupError } from './lifecycle';
import { secretsEqual } from './secrets';
import { checkReadiness, type Probe } from './readiness';

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The variable that sets the port, named when it cannot be listened on. */
  portVariable: string;
  registry: Registry;
  /** Readiness probes by name (`postgres`, `redis`, `worker`). */
  probes: Record<string, Probe>;
  readinessTimeoutMs: number;
  /** When set, `/metrics` wants `Authorization: Bearer <token>`; else it is open. */
  metricsToken?: string;
  log: Logger;
}

/** A running ops server: where it listens and how to close it. */
export interface OpsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * The small HTTP server of a worker process: `GET /metrics` (Prometheus text), `GET /healthz`
 * (the process is up) and `GET /readyz` (every probe answers; 503 naming what is down). The
 * bodies of `/healthz` and `/readyz` are the api's. Plain `node:http`: a worker has no Express.
 */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    switch (path) {
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        const readiness = await checkReadiness(opts.probes, opts.readinessTimeoutMs);
        if (readiness.ok) {
          sendJson(res, 200, { status: 'ok', checks: readiness.checks });
        } else {
          res.setHeader('Retry-After', '5');
          sendJson(res, 503, {
            status: 'unavailable',
            down: readiness.down,
            checks: readiness.checks,
          });
        }
        return;
      }
      case '/metrics': {
        if (opts.metricsToken !== undefined) {
          const header = req.headers.authorization ?? '';
          const offered = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
          if (!secretsEqual(offered, opts.metricsToken)) {
            res.setHeader('WWW-Authenticate', 'Bearer');
            sendJson(res, 401, { error: 'invalid token' });
            return;
          }
        }
        const body = await opts.registry.metrics();
        res.writeHead(200, { 'Content-Type': opts.registry.contentType });
        res.end(body);
        return;
      }
      default:
        sendJson(res, 404, { error: 'not found' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.error({ err }, 'ops server error');
      if (!res.headersSent) {
        sendJson(res, 500, { error: 'internal error' });
      } else {
        res.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown): void =>
      reject(
        new StartupError(
          `cannot listen on ${opts.host}:${opts.port} (${describeCause(err)}); set ${opts.portVariable}`,
        ),
      );
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const url = `http://${host}:${port}`;
  opts.log.info({ url }, `metrics and health on ${url}`);
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
