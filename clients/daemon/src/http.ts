import http from 'node:http';
import https from 'node:https';

/** A response, read to the end. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** From a socket being assigned to the request to the end of the body. */
  ms: number;
}

/** A request that got no HTTP answer: refused, reset, timed out, unreachable. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

/** Options of an {@link HttpClient}. */
export interface HttpClientOptions {
  /**
   * Sockets open to the server at most; requests beyond it queue in this process. This is
   * what bounds file descriptors when thousands of simulated daemons share one client.
   */
  maxSockets: number;
  /** A request whose socket stays idle this long fails (30 s by default). */
  timeoutMs?: number;
}

/** One request. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  /** An api path and query (`/api/...`), appended to the server URL's path prefix. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The server URL's path prefix without its trailing slash: `''` for `https://gw/`. */
function pathPrefix(server: URL): string {
  return server.pathname.replace(/\/+$/, '');
}

/**
 * The URL of api path `apiPath` (`/api/...`, with its query) on `server`. The server URL's own
 * path is a prefix, so an api behind a gateway at `https://gw/cp/` is reached at
 * `https://gw/cp/api/...` (a plain `new URL(path, server)` would drop `/cp`). The server URL's
 * query and fragment are ignored.
 */
export function apiUrl(server: URL, apiPath: string): URL {
  const queryAt = apiPath.indexOf('?');
  const path = queryAt < 0 ? apiPath : apiPath.slice(0, queryAt);
  // Set as parts, never parsed as a reference: a path such as `//other/x` must not become a
  // host.
  const url = new URL(server.origin);
  url.pathname = `${pathPrefix(server)}${path.startsWith('/') ? '' : '/'}${path}`;
  url.search = queryAt < 0 ? '' : apiPath.slice(queryAt);
  return url;
}

/** A `Location` the daemon will not follow: another origin, or not a URL at all. */
export class ForeignLocationError extends Error {
  override readonly name = 'ForeignLocationError';
}

/**
 * The api path (as {@link apiUrl} takes it) that a `Location` header points to. The header is
 * resolved as HTTP says, against the URL of the request it answered (`requestPath`); only a
 * location on the server's own origin is followed, since the request carries the bearer token.
 * A path under the server URL's prefix has the prefix removed; any other path on that origin is
 * taken as an api path (an api behind a prefix-stripping gateway does not know the prefix and
 * sends `/api/operations/{id}`).
 * @throws ForeignLocationError for another origin (scheme, host or port) or an unparsable value.
 */
export function apiPathOfLocation(server: URL, requestPath: string, location: string): string {
  let target: URL;
  try {
    target = new URL(location, apiUrl(server, requestPath));
  } catch {
    throw new ForeignLocationError(`unreadable Location: ${location}`);
  }
  if (target.origin !== server.origin) {
    throw new ForeignLocationError(
      `refusing to follow Location to another origin: ${target.origin} (server ${server.origin})`,
    );
  }
  const prefix = pathPrefix(server);
  const path =
    prefix !== '' && target.pathname.startsWith(`${prefix}/`)
      ? target.pathname.slice(prefix.length)
      : target.pathname;
  return `${path}${target.search}`;
}

/**
 * A minimal HTTP client over one keep-alive agent: connections are reused across requests and
 * capped at `maxSockets`. Node's own `http` is used rather than `fetch` because its agent
 * exposes that cap without another dependency.
 */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: URL,
    opts: HttpClientOptions,
  ) {
    if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
      throw new Error(`unsupported server URL ${baseUrl.href}: use http:// or https://`);
    }
    const secure = baseUrl.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxSockets,
      // Reuse the warmest socket first, so idle ones time out and the pool shrinks after a burst.
      scheduling: 'lifo',
    };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Sends a request and reads the whole answer. @throws NetworkError without an answer. */
  request(req: HttpRequest): Promise<HttpResponse> {
    const url = apiUrl(this.baseUrl, req.path);
    return new Promise((resolve, reject) => {
      let started = 0;
      const outgoing = this.transport.request(
        url,
        {
          method: req.method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(req.body !== undefined
              ? {
                  'content-type': 'application/json',
                  'content-length': String(Buffer.byteLength(req.body)),
                }
              : {}),
            ...req.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => reject(new NetworkError(err.message)));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: Date.now() - started,
            }),
          );
        },
      );
      outgoing.once('socket', () => {
        started = Date.now();
      });
      outgoing.setTimeout(this.timeoutMs, () => {
        outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      });
      outgoing.on('error', (err: NodeJS.ErrnoException) =>
        reject(new NetworkError(`${req.method} ${url.pathname}: ${err.code ?? err.message}`)),
      );
      outgoing.end(req.body);
    });
  }

  /** Closes every socket; requests after this fail. */
  close(): void {
    this.agent.destroy();
  }
}
