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
import type { HttpClient, HttpResponse } from './http';
import { DAEMON_VERSION } from './version';

/** What a daemon sends to `POST /api/daemon/register` (the contract's input side). */
export type RegisterRequest = z.input<typeof RegisterRequestBody>;

/** The routes a daemon calls, as named in hooks and statistics. */
export type ApiRoute = 'profiles' | 'register' | 'operation' | 'heartbeat';

/** An HTTP answer the daemon did not want: its status, the error body's sentence and code. */
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

function json(res: HttpResponse): unknown {
  return JSON.parse(res.body) as unknown;
}

/**
 * The daemon's side of the api: the daemon profile list, registration, operations and the
 * heartbeat, with a bearer token (`mdt_...` or a member's `mul_...`). Network failures throw
 * {@link NetworkError}; answers are parsed with the contracts' schemas.
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
   * @throws ApiError for any status but 200 (a 404 from a server without the route included).
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
    return DaemonProfileViewList.parse(json(res));
  }

  /** `POST /api/daemon/register`: 200 with the rows, 202 with an operation, or a refusal. */
  async register(request: RegisterRequest): Promise<RegisterAnswer> {
    const res = await this.send('register', 'POST', '/api/daemon/register', request);
    if (res.status === 200) {
      return { kind: 'registered', response: RegisterResponse.parse(json(res)) };
    }
    if (res.status === 202) {
      const { operation } = OperationResponse.parse(json(res));
      const location =
        res.headers.location ?? `/api/operations/${encodeURIComponent(operation.id)}`;
      return { kind: 'accepted', operation, location };
    }
    return { kind: 'refused', error: errorOf('register', res) };
  }

  /** `GET` an operation by its `Location`. */
  async getOperation(location: string): Promise<OperationAnswer> {
    const res = await this.send('operation', 'GET', location);
    if (res.status === 200) {
      return { kind: 'operation', operation: OperationResponse.parse(json(res)).operation };
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
