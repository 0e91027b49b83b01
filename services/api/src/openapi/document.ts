import {
  AgentJson,
  AgentRuntimeJson,
  AutopilotJson,
  DomainEvent,
  type ErrorCode,
  ErrorResponse,
  OperationJson,
  OperationResponse,
  RegisterResponse,
  RuntimeHasActiveAgentsResponse,
  RuntimeProfileJson,
  SquadJson,
} from '@cp/contracts';
import { SERVICE_VERSION } from '@cp/platform';
import { z } from 'zod';
import {
  createDocument,
  type oas31,
  type ZodOpenApiOverride,
  type ZodOpenApiPathItemObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { HTTP_STATUS } from '../http/errors';
import { SESSION_COOKIE } from '../http/session';
import { ROUTE_CATALOG, type RouteAccess, type RouteEntry } from './route-catalog';

/** Security scheme names, as operations reference them. */
export const SECURITY_SCHEMES = {
  personalToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'mul_...',
    description: "A member's personal access token (`mul_` prefix), from the admin CLI.",
  },
  daemonToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'mdt_...',
    description: 'A daemon token (`mdt_` prefix), bound to one workspace, from the admin CLI.',
  },
  operatorSession: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: "An operator's session cookie, set by `POST /admin/login`.",
  },
  scrapeToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'The Prometheus scrape token (`METRICS_TOKEN`), for `GET /metrics`.',
  },
} as const satisfies Record<string, oas31.SecuritySchemeObject>;

type SchemeName = keyof typeof SECURITY_SCHEMES;

/** Each access level's security requirement: alternatives, any one of which suffices. */
const SECURITY: Record<RouteAccess, Partial<Record<SchemeName, string[]>>[]> = {
  public: [],
  member: [{ personalToken: [] }],
  daemon: [{ daemonToken: [] }, { personalToken: [] }],
  // Operators also pass with their personal token; the route checks the operator flag.
  operator: [{ operatorSession: [] }, { personalToken: [] }],
  scrape: [{ scrapeToken: [] }, { operatorSession: [] }, { personalToken: [] }],
};

/** Wire schemas shown by name under `components.schemas` (and `$ref`ed where used). */
const COMPONENT_SCHEMAS = {
  ErrorResponse,
  RuntimeHasActiveAgentsResponse,
  Operation: OperationJson,
  OperationResponse,
  RuntimeProfile: RuntimeProfileJson,
  AgentRuntime: AgentRuntimeJson,
  RegisterResponse,
  Agent: AgentJson,
  Squad: SquadJson,
  Autopilot: AutopilotJson,
  DomainEvent,
} satisfies Record<string, z.ZodType>;

const RetryAfterHeader = z.object({
  'retry-after': z.string().meta({ description: 'Seconds to wait before retrying' }),
});

const REASONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  500: 'Internal error',
  503: 'Unavailable: retry after `Retry-After` seconds',
};

/** One error response: the error envelope (or upstream's own body), with the codes it carries. */
function errorResponse(
  status: number,
  codes: readonly string[],
  upstream: { code: string; body: z.ZodType } | undefined,
): ZodOpenApiResponseObject {
  const listed = upstream ? [...codes, upstream.code] : codes;
  return {
    description: `${REASONS[status] ?? 'Error'}. \`code\`: ${listed.join(', ')}`,
    'x-error-codes': listed,
    ...(status === 503 ? { headers: RetryAfterHeader } : {}),
    content: {
      'application/json': {
        schema: upstream ? z.union([ErrorResponse, upstream.body]) : ErrorResponse,
      },
    },
  };
}

/** The route's error responses by status; every route may also fail with 500 `INTERNAL`. */
function errorResponses(route: RouteEntry): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set<ErrorCode>([...route.errors, 'INTERNAL'])) {
    const status = HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const status of Object.keys(route.upstreamErrors ?? {})) {
    byStatus.set(Number(status), byStatus.get(Number(status)) ?? []);
  }
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[`${status}` as `4${string}`] = errorResponse(
      status,
      codes,
      route.upstreamErrors?.[status],
    );
  }
  return responses;
}

/**
 * zod renders a plain object's output with `additionalProperties: false` (it strips unknown
 * keys), but a wire answer may gain fields (changes are additive), so a client must not reject
 * them. Strict and passthrough objects (an explicit catchall) keep what they say.
 */
const allowAdditiveFields: ZodOpenApiOverride = ({ zodSchema, jsonSchema }) => {
  const def = zodSchema._zod.def;
  if (def.type === 'object' && def.catchall === undefined) {
    delete jsonSchema.additionalProperties;
  }
};

const DESCRIPTION = [
  'Control plane for fleets of AI-agent daemons: runtime profiles, registration and cascades.',
  'Wire-compatible with upstream multica: same paths, snake_case JSON, status codes and error',
  'sentences. Every error body is `ErrorResponse` (`error`, `code`, `request_id`), except the',
  "runtime-delete 409 that keeps upstream's lowercase `runtime_has_active_agents`. A path that",
  'matches no route answers 404 `ROUTE_NOT_FOUND` (after the authentication its prefix needs).',
  'Every answer carries `X-Request-ID` (a UUID the caller sent, or a new one).',
].join(' ');

/** An OpenAPI document as zod-openapi builds it (its 3.x model). */
export type OpenApiDocument = ReturnType<typeof createDocument>;

/**
 * Builds the OpenAPI 3.1 document from {@link ROUTE_CATALOG} and the zod contracts: paths,
 * parameters, bodies, responses (error responses grouped by status with their codes) and
 * security schemes. Pure; throws on a route listed twice.
 */
export function buildOpenApiDocument(
  catalog: readonly RouteEntry[] = ROUTE_CATALOG,
): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of catalog) {
    const item: ZodOpenApiPathItemObject = paths[route.path] ?? {};
    if (item[route.method]) {
      throw new Error(`route listed twice: ${route.method.toUpperCase()} ${route.path}`);
    }
    item[route.method] = {
      ...route.operation,
      ...(route.mount ? { 'x-mount': true } : {}),
      security: SECURITY[route.access],
      responses: { ...route.operation.responses, ...errorResponses(route) },
    };
    paths[route.path] = item;
  }
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Runtime-profile control plane',
        version: SERVICE_VERSION,
        description: DESCRIPTION,
      },
      paths,
      components: {
        schemas: COMPONENT_SCHEMAS,
        securitySchemes: SECURITY_SCHEMES,
        responses: {
          RouteNotFound: {
            description: 'No route matches the path',
            'x-error-codes': ['ROUTE_NOT_FOUND'],
            content: { 'application/json': { schema: ErrorResponse } },
          },
        },
      },
    },
    { override: allowAdditiveFields },
  );
}
