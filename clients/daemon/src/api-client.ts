import {
  DaemonProfileViewList,
  type HeartbeatRequestBody,
  MESSAGES,
  OperationResponse,
  type OperationJson,
  type RegisterRequestBody,
  RegisterResponse,
} from '@cp/contracts';
import type { z } from 'zod';
import { parseRetryAfter } from './backoff';
import {
  apiPathOfLocation,
  ForeignLocationError,
  type HttpClient,
  type HttpResponse,
} from './http';
import { DAEMON_VERSION } from './version';

/** What a daemon sends to `POST /api/daemon/register` (the contract's input side). */
export type RegisterRequest = z.input<typeof RegisterRequestBody>;

/** The routes a daemon calls, as named in hooks and statistics. */
export type ApiRoute = 'profiles' | 'register' | 'operation' | 'heartbeat';

/**
 * An HTTP answer the daemon did not want: its status, the error body's sentence and code. Also
 * a 2xx it cannot use (a body that is not the contract's JSON: a proxy's HTML page, another
 * server's shape; a `Location` to another origin), with that status and no code.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly route: ApiRoute,
    readonly status: number,
    message: string,
    readonly code: string | undefined,
    /** From `Retry-After`, when the server sent one. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** What a register request came back with. */
export type RegisterAnswer =
  | { kind: 'registered'; response: RegisterResponse }
  | { kind: 'accepted'; operation: OperationJson; location: string }
  | { kind: 'refused'; error: ApiError };

/** What an operation poll came back with. */
export type OperationAnswer =
  { kind: 'operation'; operation: OperationJson } | { kind: 'refused'; error: ApiError };

/** Called after every HTTP answer (statistics, debugging). */
export interface ApiHooks {
  onResponse?(route: ApiRoute, status: number, ms: number): void;
  onNetworkError?(route: ApiRoute, err: Error): void;
}

/** Reads an error body: upstream's `{"error": "..."}`, ours adds `code`; tolerates non-JSON. */
function errorOf(route: ApiRoute, res: HttpResponse): ApiError {
  let message = `HTTP ${res.status}`;
  let code: string | undefined;
  try {
    const body = JSON.parse(res.body) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') {
      message = body.error;
    }
    if (typeof body.code === 'string') {
      code = body.code;
    }
  } catch {
    const text = res.body.trim().slice(0, 200);
    if (text !== '') {
      message = `HTTP ${res.status}: ${text}`;
    }
  }
  const retryAfter: string | undefined = res.headers['retry-after'];
  return new ApiError(route, res.status, message, code, parseRetryAfter(retryAfter, Date.now()));
}

const ROUTE_LINES: Record<ApiRoute, string> = {
  profiles: 'GET /api/daemon/workspaces/{id}/runtime-profiles',
  register: 'POST /api/daemon/register',
  operation: 'GET /api/operations/{id}',
  heartbeat: 'POST /api/daemon/heartbeat',
};

/** An answer the daemon cannot use, as an {@link ApiError} with its status and no code. */
function unusable(route: ApiRoute, status: number, why: string): ApiError {
  return new ApiError(
    route,
    status,
    `unexpected answer to ${ROUTE_LINES[route]} (HTTP ${status}): ${why}`,
    undefined,
    undefined,
  );
}

/** Checks `value` (an answer or part of one) against `schema`. @throws ApiError if it differs. */
function parseValue<S extends z.ZodType>(
  route: ApiRoute,
  status: number,
  schema: S,
  value: unknown,
  what = 'the body',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw unusable(
      route,
      status,
      `${what} is not the expected shape (${where}${issue?.message ?? 'invalid'})`,
    );
  }
  return parsed.data;
}

/** Parses a JSON body with `schema`. @throws ApiError when it is not JSON or not that shape. */
function parseAnswer<S extends z.ZodType>(
  route: ApiRoute,
  res: HttpResponse,
  schema: S,
): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(res.body) as unknown;
  } catch {
    const type = res.headers['content-type'] ?? 'no content type';
    throw unusable(route, res.status, `the body is not JSON (${type})`);
  }
  return parseValue(route, res.status, schema, body);
}

/**
 * The register answer a succeeded operation carries in `result`.
 * @throws ApiError (route `operation`, status 200) when it is not one.
 */
export function registerResultOf(operation: OperationJson): RegisterResponse {
  return parseValue('operation', 200, RegisterResponse, operation.result, 'the result');
}

/**
 * The daemon's side of the api: the daemon profile list, registration, operations and the
 * heartbeat, with a bearer token (`mdt_...` or a member's `mul_...`). Network failures throw
 * {@link NetworkError}; answers are parsed with the contracts' schemas, and one that does not
 * parse throws {@link ApiError} (never a `SyntaxError` or `ZodError`).
 */
export class ApiClient {
  constructor(
    private readonly http: HttpClient,
    private readonly token: string,
    private readonly hooks: ApiHooks = {},
  ) {}

  private async send(
    route: ApiRoute,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<HttpResponse> {
    try {
      const res = await this.http.request({
        method,
        path,
        headers: {
          authorization: `Bearer ${this.token}`,
          'user-agent': `cp-daemon/${DAEMON_VERSION}`,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      this.hooks.onResponse?.(route, res.status, res.ms);
      return res;
    } catch (err) {
      this.hooks.onNetworkError?.(route, err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  /**
   * The enabled profiles of a workspace (spec §6.1):
   * `GET /api/daemon/workspaces/{id}/runtime-profiles`.
   * @throws ApiError for any status but 200 (a 404 from a server without the route included),
   * and for a 200 that is not the list.
   */
  async listProfiles(workspaceId: string): Promise<DaemonProfileViewList> {
    const res = await this.send(
      'profiles',
      'GET',
      `/api/daemon/workspaces/${encodeURIComponent(workspaceId)}/runtime-profiles`,
    );
    if (res.status !== 200) {
      throw errorOf('profiles', res);
    }
    return parseAnswer('profiles', res, DaemonProfileViewList);
  }

  /**
   * `POST /api/daemon/register`: 200 with the rows, 202 with an operation, or a refusal. The
   * answer's `location` is an api path: a `Location` header is followed only on the server's
   * own origin (see {@link apiPathOfLocation}).
   * @throws ApiError for a 200 or 202 it cannot use (body, or `Location` to another origin).
   */
  async register(request: RegisterRequest): Promise<RegisterAnswer> {
    const path = '/api/daemon/register';
    const res = await this.send('register', 'POST', path, request);
    if (res.status === 200) {
      return { kind: 'registered', response: parseAnswer('register', res, RegisterResponse) };
    }
    if (res.status === 202) {
      const { operation } = parseAnswer('register', res, OperationResponse);
      const header = res.headers.location;
      let location = `/api/operations/${encodeURIComponent(operation.id)}`;
      if (header !== undefined) {
        try {
          location = apiPathOfLocation(this.http.baseUrl, path, header);
        } catch (err) {
          if (err instanceof ForeignLocationError) {
            throw unusable('register', res.status, err.message);
          }
          throw err;
        }
      }
      return { kind: 'accepted', operation, location };
    }
    return { kind: 'refused', error: errorOf('register', res) };
  }

  /**
   * `GET` an operation by its api path (a register answer's `location`).
   * @throws ApiError for a 200 that is not an operation.
   */
  async getOperation(location: string): Promise<OperationAnswer> {
    const res = await this.send('operation', 'GET', location);
    if (res.status === 200) {
      return {
        kind: 'operation',
        operation: parseAnswer('operation', res, OperationResponse).operation,
      };
    }
    return { kind: 'refused', error: errorOf('operation', res) };
  }

  /**
   * `POST /api/daemon/heartbeat`. Resolves to true on 200, false when the runtime is gone (404
   * `runtime not found`). @throws ApiError for any other answer.
   */
  async heartbeat(runtimeId: string): Promise<boolean> {
    const body: z.input<typeof HeartbeatRequestBody> = { runtime_id: runtimeId };
    const res = await this.send('heartbeat', 'POST', '/api/daemon/heartbeat', body);
    if (res.status === 200) {
      return true;
    }
    const error = errorOf('heartbeat', res);
    // Upstream's body has only the sentence; ours adds the code.
    if (
      res.status === 404 &&
      (error.code === 'RUNTIME_NOT_FOUND' || error.message === MESSAGES.runtimeNotFound)
    ) {
      return false;
    }
    throw error;
  }
}
