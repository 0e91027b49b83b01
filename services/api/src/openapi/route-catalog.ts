import {
  AdminLoginBody,
  AgentJson,
  AgentRuntimeList,
  AutopilotJson,
  CreateAgentBody,
  CreateAutopilotBody,
  CreateRuntimeProfileBody,
  CreateSquadBody,
  DaemonRuntimeProfileList,
  type ErrorCode,
  HealthResponse,
  HeartbeatRequestBody,
  HeartbeatResponse,
  MESSAGES,
  OperationResponse,
  ReadinessResponse,
  RegisterRequestBody,
  RegisterResponse,
  RuntimeDeleteResponse,
  RuntimeHasActiveAgentsResponse,
  RuntimeProfileJson,
  RuntimeProfileList,
  SquadJson,
  UpdateRuntimeProfileBody,
  uuidParam,
} from '@cp/contracts';
import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from 'zod-openapi';

/** The HTTP methods the api serves. */
export const ROUTE_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/**
 * Who may call a route; each maps to the security requirement the document gives it.
 * - `public`: no credentials.
 * - `member`: a member's personal token (`Bearer mul_...`); daemon tokens are refused.
 * - `daemon`: a daemon token of the workspace (`Bearer mdt_...`) or a member's personal token.
 * - `operator`: an operator's session cookie (set by `POST /admin/login`) or personal token.
 * - `scrape`: the Prometheus scrape token (`METRICS_TOKEN`), or what `operator` accepts.
 */
export const ROUTE_ACCESS = ['public', 'member', 'daemon', 'operator', 'scrape'] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

/** One served route: where it is, who may call it, what it takes and what it answers. */
export interface RouteEntry {
  method: RouteMethod;
  /** OpenAPI path template (`{workspaceId}`); the Express path with `:` params. */
  path: `/${string}`;
  access: RouteAccess;
  /**
   * The path is the mount point of a whole sub-application (the queue dashboard): its pages,
   * assets and XHR routes are the library's, not part of this API, and are not listed.
   */
  mount?: true;
  /** Codes of the error bodies it may answer with; the document groups them by status. */
  errors: readonly ErrorCode[];
  /**
   * Error answers whose body is upstream's own shape rather than `ErrorResponse`, by status, with
   * the `code` they carry (runtime delete's 409 `runtime_has_active_agents`).
   */
  upstreamErrors?: Partial<Record<number, { code: string; body: z.ZodType }>>;
  /** Everything but `security` (from `access`) and the error responses (from `errors`). */
  operation: Omit<ZodOpenApiOperationObject, 'security'>;
}

const WorkspaceId = uuidParam(MESSAGES.invalidWorkspaceId).meta({
  description: 'Workspace id (a UUID)',
});
const ProfileId = uuidParam(MESSAGES.invalidProfileId).meta({
  description: 'Runtime profile id (a UUID)',
});
const WorkspacePath = z.object({ workspaceId: WorkspaceId });
const ProfilePath = z.object({ workspaceId: WorkspaceId, profileId: ProfileId });

const PreferHeader = z.object({
  prefer: z
    .string()
    .optional()
    .meta({
      description:
        'RFC 7240. `respond-async` answers 202 with the operation at once; `wait=N` waits up to N ' +
        'seconds (at most 60) for the outcome before answering 202.',
      examples: ['respond-async', 'wait=10'],
    }),
});

const json = (schema: z.ZodType, description: string): ZodOpenApiResponseObject => ({
  description,
  content: { 'application/json': { schema } },
});

const jsonBody = (schema: z.ZodType, description: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

/** The 202 every queued request may answer with (ARCHITECTURE.md §4). */
const accepted: ZodOpenApiResponseObject = {
  description:
    'Accepted: the request is a queued job that did not finish within the wait; follow the ' +
    'operation at `Location`.',
  headers: z.object({
    location: z.string().meta({ description: '`/api/operations/{operationId}`' }),
  }),
  content: { 'application/json': { schema: OperationResponse } },
};

/** Errors of every route behind `authenticate('user')` + `requireMember` (bad id, non-member). */
const MEMBER: readonly ErrorCode[] = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'WORKSPACE_NOT_FOUND',
];
/** Errors of owner/admin routes: a member's role is checked after the membership. */
const OWNER_ADMIN: readonly ErrorCode[] = [...MEMBER, 'FORBIDDEN'];

/**
 * Every route the api serves: the one list the `/openapi.json` document is built from. A test
 * walks the app's router and fails when a served route is missing here or a listed one is not
 * served, so the document cannot drift from the app.
 */
export const ROUTE_CATALOG: readonly RouteEntry[] = [
  // Ops surface.
  {
    method: 'get',
    path: '/healthz',
    access: 'public',
    errors: [],
    operation: {
      operationId: 'getHealth',
      tags: ['ops'],
      summary: 'Liveness: the process is up',
      responses: { '200': json(HealthResponse, 'The process is up') },
    },
  },
  {
    method: 'get',
    path: '/readyz',
    access: 'public',
    errors: [],
    operation: {
      operationId: 'getReadiness',
      tags: ['ops'],
      summary: 'Readiness: Postgres and Redis answer',
      responses: {
        '200': json(ReadinessResponse, 'Every dependency answered'),
        '503': {
          ...json(ReadinessResponse, 'A dependency is down; `down` names it'),
          headers: z.object({ 'retry-after': z.string() }),
        },
      },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    access: 'public',
    errors: [],
    operation: {
      operationId: 'getOpenApiDocument',
      tags: ['ops'],
      summary: 'This document (OpenAPI 3.1)',
      responses: {
        '200': {
          description: 'The OpenAPI document',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    },
  },

  {
    method: 'get',
    path: '/metrics',
    access: 'scrape',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN'],
    operation: {
      operationId: 'getMetrics',
      tags: ['ops'],
      summary: "The api's Prometheus metrics",
      description:
        'For the scrape token (`METRICS_TOKEN`) or an operator (session cookie or personal token).',
      responses: {
        '200': {
          description: 'Prometheus text exposition format',
          content: { 'text/plain; version=0.0.4': { schema: z.string() } },
        },
      },
    },
  },

  // The queue dashboard and its login (operators: users granted operator rights).
  {
    method: 'get',
    path: '/admin/login',
    access: 'public',
    errors: [],
    operation: {
      operationId: 'getAdminLoginForm',
      tags: ['dashboard'],
      summary: 'The sign-in form of the queue dashboard',
      responses: {
        '200': { description: 'An HTML form', content: { 'text/html': { schema: z.string() } } },
      },
    },
  },
  {
    method: 'post',
    path: '/admin/login',
    access: 'public',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN', 'PAYLOAD_TOO_LARGE'],
    operation: {
      operationId: 'adminLogin',
      tags: ['dashboard'],
      summary: "Start an operator session from an operator's personal token",
      description:
        'The token comes as `Authorization: Bearer mul_...`, a JSON body or the form field ' +
        '`token`. Sets the session cookie; a form is redirected to the dashboard.',
      requestBody: {
        content: {
          'application/json': { schema: AdminLoginBody },
          'application/x-www-form-urlencoded': { schema: AdminLoginBody },
        },
      },
      responses: {
        '204': {
          description: 'Signed in (JSON or bearer); the cookie is set',
          headers: z.object({ 'set-cookie': z.string() }),
        },
        '303': {
          description: 'Signed in from the form: on to the dashboard',
          headers: z.object({ 'set-cookie': z.string(), location: z.string() }),
        },
      },
    },
  },
  {
    method: 'post',
    path: '/admin/logout',
    access: 'public',
    errors: [],
    operation: {
      operationId: 'adminLogout',
      tags: ['dashboard'],
      summary: 'End the operator session (clears the cookie)',
      responses: {
        '204': { description: 'Signed out', headers: z.object({ 'set-cookie': z.string() }) },
        '303': {
          description: 'Signed out from a form: back to the sign-in form',
          headers: z.object({ 'set-cookie': z.string(), location: z.string() }),
        },
      },
    },
  },
  {
    method: 'get',
    path: '/admin/queues',
    mount: true,
    access: 'operator',
    errors: ['UNAUTHENTICATED', 'FORBIDDEN'],
    operation: {
      operationId: 'getQueueDashboard',
      tags: ['dashboard'],
      summary: 'The BullMQ queue dashboard (bull-board) on the registry and cascade queues',
      description:
        "The dashboard's pages, assets and XHR routes live below this path; they are " +
        "bull-board's, not part of this API.",
      responses: {
        '200': { description: 'The dashboard', content: { 'text/html': { schema: z.string() } } },
      },
    },
  },

  // Runtime profiles (spec §3.2–3.6).
  {
    method: 'get',
    path: '/api/workspaces/{workspaceId}/runtime-profiles',
    access: 'member',
    errors: MEMBER,
    operation: {
      operationId: 'listRuntimeProfiles',
      tags: ['runtime profiles'],
      summary: 'List the profiles the caller may see',
      description: 'Private profiles are listed only for their creator and for owners/admins.',
      requestParams: { path: WorkspacePath },
      responses: { '200': json(RuntimeProfileList, 'The profiles') },
    },
  },
  {
    method: 'post',
    path: '/api/workspaces/{workspaceId}/runtime-profiles',
    access: 'member',
    errors: [...OWNER_ADMIN, 'DISPLAY_NAME_TAKEN', 'PAYLOAD_TOO_LARGE'],
    operation: {
      operationId: 'createRuntimeProfile',
      tags: ['runtime profiles'],
      summary: 'Create a profile (owner/admin)',
      requestParams: { path: WorkspacePath },
      requestBody: jsonBody(
        CreateRuntimeProfileBody,
        '`display_name`, `protocol_family` and `command_name` (one token) are required.',
      ),
      responses: { '201': json(RuntimeProfileJson, 'The created profile') },
    },
  },
  {
    method: 'get',
    path: '/api/workspaces/{workspaceId}/runtime-profiles/{profileId}',
    access: 'member',
    errors: [...MEMBER, 'PROFILE_NOT_FOUND'],
    operation: {
      operationId: 'getRuntimeProfile',
      tags: ['runtime profiles'],
      summary: 'One profile',
      description: '`status` is `deleting` while a deletion is queued or running.',
      requestParams: { path: ProfilePath },
      responses: { '200': json(RuntimeProfileJson, 'The profile') },
    },
  },
  ...(['patch', 'put'] as const).map((method): RouteEntry => ({
    method,
    path: '/api/workspaces/{workspaceId}/runtime-profiles/{profileId}',
    access: 'member',
    errors: [...OWNER_ADMIN, 'PROFILE_NOT_FOUND', 'DISPLAY_NAME_TAKEN', 'PAYLOAD_TOO_LARGE'],
    operation: {
      operationId: method === 'patch' ? 'updateRuntimeProfile' : 'replaceRuntimeProfile',
      tags: ['runtime profiles'],
      summary: `Update a profile (owner/admin; ${method.toUpperCase()} is a partial update too)`,
      description: 'Absent or null fields stay as they are; `protocol_family` cannot change.',
      requestParams: { path: ProfilePath },
      requestBody: jsonBody(UpdateRuntimeProfileBody, 'The fields to change'),
      responses: { '200': json(RuntimeProfileJson, 'The updated profile') },
    },
  })),
  {
    method: 'delete',
    path: '/api/workspaces/{workspaceId}/runtime-profiles/{profileId}',
    access: 'member',
    errors: [
      ...OWNER_ADMIN,
      'PROFILE_NOT_FOUND',
      'ACTIVE_AGENTS_BOUND',
      'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
      'QUEUE_UNAVAILABLE',
    ],
    operation: {
      operationId: 'deleteRuntimeProfile',
      tags: ['runtime profiles'],
      summary: 'Delete a profile and its dependents through the cascade queue (owner/admin)',
      description:
        'Answers 202 with the operation at once by default; with `Prefer: wait=N` the outcome ' +
        'within N seconds: 204, or the 409 that refused the cascade.',
      requestParams: { path: ProfilePath, header: PreferHeader },
      responses: {
        '202': accepted,
        '204': { description: 'Deleted (only with `Prefer: wait=N`)' },
      },
    },
  },

  // Events.
  {
    method: 'get',
    path: '/api/workspaces/{workspaceId}/events',
    access: 'member',
    errors: [...MEMBER, 'QUEUE_UNAVAILABLE'],
    operation: {
      operationId: 'streamWorkspaceEvents',
      tags: ['events'],
      summary: "The workspace's committed changes as Server-Sent Events",
      description:
        'Each message is `id: <stream position>`, `event: <type>`, `data: <DomainEvent JSON>`. ' +
        'Reconnect with `Last-Event-ID` to get what was missed first. Delivery is at least ' +
        'once: drop repeats by the event `id`.',
      requestParams: {
        path: WorkspacePath,
        header: z.object({
          'last-event-id': z
            .string()
            .optional()
            .meta({ description: 'The last stream position received' }),
        }),
      },
      responses: {
        '200': {
          description: 'An open event stream',
          content: { 'text/event-stream': { schema: z.string() } },
        },
      },
    },
  },

  // Agents, squads and autopilots (any member).
  {
    method: 'post',
    path: '/api/workspaces/{workspaceId}/agents',
    access: 'member',
    errors: [...MEMBER, 'RUNTIME_NOT_FOUND', 'AGENT_NAME_TAKEN', 'PAYLOAD_TOO_LARGE'],
    operation: {
      operationId: 'createAgent',
      tags: ['agents'],
      summary: 'Create an agent on a runtime of the workspace',
      requestParams: { path: WorkspacePath },
      requestBody: jsonBody(CreateAgentBody, '`name` and `runtime_id` are required'),
      responses: { '201': json(AgentJson, 'The created agent') },
    },
  },
  ...(['archive', 'restore'] as const).map((action): RouteEntry => ({
    method: 'post',
    path: `/api/workspaces/{workspaceId}/agents/{agentId}/${action}`,
    access: 'member',
    errors: [...MEMBER, 'AGENT_NOT_FOUND'],
    operation: {
      operationId: action === 'archive' ? 'archiveAgent' : 'restoreAgent',
      tags: ['agents'],
      summary:
        action === 'archive'
          ? 'Archive an agent (idempotent: the first archive stays)'
          : 'Restore an archived agent',
      requestParams: {
        path: WorkspacePath.extend({ agentId: uuidParam(MESSAGES.invalidAgentId) }),
      },
      responses: { '200': json(AgentJson, 'The agent') },
    },
  })),
  {
    method: 'post',
    path: '/api/workspaces/{workspaceId}/squads',
    access: 'member',
    errors: [...MEMBER, 'AGENT_NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
    operation: {
      operationId: 'createSquad',
      tags: ['agents'],
      summary: 'Create a squad led by an agent of the workspace',
      requestParams: { path: WorkspacePath },
      requestBody: jsonBody(CreateSquadBody, '`name` and `leader_id` are required'),
      responses: { '201': json(SquadJson, 'The created squad') },
    },
  },
  {
    method: 'post',
    path: '/api/workspaces/{workspaceId}/squads/{squadId}/archive',
    access: 'member',
    errors: [...MEMBER, 'SQUAD_NOT_FOUND'],
    operation: {
      operationId: 'archiveSquad',
      tags: ['agents'],
      summary: 'Archive a squad (idempotent)',
      requestParams: {
        path: WorkspacePath.extend({ squadId: uuidParam(MESSAGES.invalidSquadId) }),
      },
      responses: { '200': json(SquadJson, 'The squad') },
    },
  },
  {
    method: 'post',
    path: '/api/workspaces/{workspaceId}/autopilots',
    access: 'member',
    errors: [...MEMBER, 'AGENT_NOT_FOUND', 'SQUAD_NOT_FOUND', 'PAYLOAD_TOO_LARGE'],
    operation: {
      operationId: 'createAutopilot',
      tags: ['agents'],
      summary: 'Create an autopilot assigned to an agent or a squad',
      requestParams: { path: WorkspacePath },
      requestBody: jsonBody(CreateAutopilotBody, '`title` and `assignee_id` are required'),
      responses: { '201': json(AutopilotJson, 'The created autopilot') },
    },
  },

  // Daemons (spec §3.8, §3.9).
  {
    method: 'get',
    path: '/api/daemon/workspaces/{workspaceId}/runtime-profiles',
    access: 'daemon',
    errors: ['UNAUTHENTICATED', 'WORKSPACE_NOT_FOUND'],
    operation: {
      operationId: 'listRegistrableRuntimeProfiles',
      tags: ['daemon'],
      summary: 'The enabled profiles a daemon may register',
      description: 'Profiles being deleted are left out.',
      requestParams: {
        path: z.object({ workspaceId: z.string().meta({ description: 'Workspace id' }) }),
      },
      responses: { '200': json(DaemonRuntimeProfileList, 'The enabled profiles') },
    },
  },
  {
    method: 'post',
    path: '/api/daemon/register',
    access: 'daemon',
    errors: [
      'VALIDATION_FAILED',
      'UNKNOWN_PROFILE',
      'UNAUTHENTICATED',
      'WORKSPACE_NOT_FOUND',
      'PROFILE_DISABLED',
      'PROFILE_DELETING',
      'PAYLOAD_TOO_LARGE',
      'QUEUE_UNAVAILABLE',
    ],
    operation: {
      operationId: 'registerRuntimes',
      tags: ['daemon'],
      summary: "Register a daemon's runtimes through the registry queue",
      description:
        'Waits a few seconds (`API_REGISTER_WAIT_MS`) for the outcome by default, then answers ' +
        '202 with the operation; `Prefer` changes the wait. All or nothing: a refused ' +
        'registration writes nothing.',
      requestParams: { header: PreferHeader },
      requestBody: jsonBody(
        RegisterRequestBody,
        '`workspace_id`, `daemon_id` and at least one runtime or failed profile are required; ' +
          'an entry with `profile_id` registers that runtime profile, and each ' +
          '`failed_profiles` entry records its profile as an offline runtime with the reason.',
      ),
      responses: {
        '200': json(RegisterResponse, 'The registered runtime rows, in request order'),
        '202': accepted,
      },
    },
  },

  {
    method: 'post',
    path: '/api/daemon/heartbeat',
    access: 'daemon',
    errors: [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'RUNTIME_NOT_FOUND',
      'WORKSPACE_NOT_FOUND',
      'PAYLOAD_TOO_LARGE',
    ],
    operation: {
      operationId: 'heartbeat',
      tags: ['daemon'],
      summary: 'A runtime is alive (sets its `last_seen_at`)',
      description:
        '404 `RUNTIME_NOT_FOUND` tells the daemon the runtime is gone: it registers again.',
      requestBody: jsonBody(HeartbeatRequestBody, '`runtime_id` is required'),
      responses: { '200': json(HeartbeatResponse, 'Recorded') },
    },
  },

  // Operations and runtimes.
  {
    method: 'get',
    path: '/api/operations/{operationId}',
    access: 'daemon',
    errors: ['UNAUTHENTICATED', 'OPERATION_NOT_FOUND'],
    operation: {
      operationId: 'getOperation',
      tags: ['operations'],
      summary: "An asynchronous request's status",
      description:
        "Readable by members of the operation's workspace and by that workspace's daemon tokens.",
      requestParams: { path: z.object({ operationId: z.string() }) },
      responses: { '200': json(OperationResponse, 'The operation') },
    },
  },
  {
    method: 'get',
    path: '/api/runtimes',
    access: 'member',
    errors: MEMBER,
    operation: {
      operationId: 'listRuntimes',
      tags: ['runtimes'],
      summary: "A workspace's runtime rows",
      requestParams: {
        query: z.object({
          workspace_id: z
            .string()
            .optional()
            .meta({ description: 'The workspace (or the `X-Workspace-ID` header)' }),
          owner: z
            .enum(['me'])
            .optional()
            .meta({ description: "`me`: only the caller's runtimes" }),
        }),
        header: z.object({ 'x-workspace-id': z.string().optional() }),
      },
      responses: { '200': json(AgentRuntimeList, 'The runtime rows (a bare array)') },
    },
  },
  {
    method: 'delete',
    path: '/api/runtimes/{runtimeId}',
    access: 'member',
    errors: [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'RUNTIME_NOT_FOUND',
      'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
      'QUEUE_UNAVAILABLE',
    ],
    upstreamErrors: {
      409: { code: 'runtime_has_active_agents', body: RuntimeHasActiveAgentsResponse },
    },
    operation: {
      operationId: 'deleteRuntime',
      tags: ['runtimes'],
      summary: 'Delete a runtime and its dependents through the cascade queue',
      description:
        'Owners/admins, or a member deleting their own runtime. 202 at once by default; with ' +
        '`Prefer: wait=N` the outcome: 200 `{"status":"ok"}`, or upstream\'s 409 (active agents: ' +
        '`code` `runtime_has_active_agents` and the `active_agents` list).',
      requestParams: {
        path: z.object({ runtimeId: uuidParam(MESSAGES.invalidRuntimeId) }),
        header: PreferHeader,
      },
      responses: {
        '200': json(RuntimeDeleteResponse, 'Deleted (only with `Prefer: wait=N`)'),
        '202': accepted,
      },
    },
  },
];
