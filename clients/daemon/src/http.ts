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
  /** Path and query, resolved against the server URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
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
    const url = new URL(req.path, this.baseUrl);
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
