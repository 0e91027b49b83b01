import { z } from 'zod';
import { PROTOCOL_FAMILIES } from './protocol-families';

/**
 * The closed set of error codes. Each maps to exactly one HTTP status in the api
 * (`services/api/src/http/errors.ts`); adding a code without a status does not compile.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'WORKSPACE_NOT_FOUND',
  'PROFILE_NOT_FOUND',
  'RUNTIME_NOT_FOUND',
  'AGENT_NOT_FOUND',
  'SQUAD_NOT_FOUND',
  'OPERATION_NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'DISPLAY_NAME_TAKEN',
  'AGENT_NAME_TAKEN',
  'PROFILE_DISABLED',
  'PROFILE_DELETING',
  'UNKNOWN_PROFILE',
  'ACTIVE_AGENTS_BOUND',
  'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
  'PAYLOAD_TOO_LARGE',
  'QUEUE_UNAVAILABLE',
  'INTERNAL',
] as const;
/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One field-level problem, as listed in an error body's `details`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** Options of an {@link AppError}. */
export interface AppErrorOptions {
  /** Field-level problems (validation) or structured data (a conflict's agent list). */
  details?: ErrorDetail[];
  /** True only for what clears by itself: serialization failure, deadlock, lost connection. */
  retryable?: boolean;
  /**
   * Extra top-level fields of the error body, for answers upstream defines with more than a
   * sentence (runtime delete's lowercase `code` and `active_agents`).
   */
  body?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (sent as `Retry-After` with a 503). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * A domain error: a code from the closed set and a sentence for the caller. Thrown anywhere
 * below the transport; only the api's `http/` layer turns it into a status.
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: AppErrorOptions = {},
  ) {
    super(message, { cause: opts.cause });
  }

  /** Whether a worker should retry the job that threw it. */
  get retryable(): boolean {
    return this.opts.retryable === true;
  }
}

/** The error body every non-2xx answer carries. */
export const ErrorResponse = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  request_id: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/**
 * Upstream's error sentences, verbatim (spec §3, §4, §5), quirks included. Tests assert on these
 * constants, so a change here is a wire change.
 */
export const MESSAGES = {
  missingAuthorization: 'missing authorization header',
  invalidAuthorizationFormat: 'invalid authorization format',
  invalidToken: 'invalid token',
  invalidDaemonToken: 'invalid daemon token',
  userNotAuthenticated: 'user not authenticated',
  workspaceRequired: 'workspace_id or workspace_slug is required',
  invalidWorkspaceId: 'invalid workspace_id',
  workspaceNotFound: 'workspace not found',
  notFound: 'not found',
  insufficientPermissions: 'insufficient permissions',
  invalidRequestBody: 'invalid request body',
  invalidProfileId: 'invalid profile id',
  profileNotFound: 'runtime profile not found',
  displayNameRequired: 'display_name is required',
  displayNameEmpty: 'display_name cannot be empty',
  unsupportedProtocolFamily: `unsupported protocol_family: must be one of ${PROTOCOL_FAMILIES.join(', ')}`,
  commandNameRequired: 'command_name is required',
  commandNameEmpty: 'command_name cannot be empty',
  commandNameSingleToken:
    'command_name must be a single executable token; put arguments in fixed_args',
  visibilityInvalid: "visibility must be 'workspace' or 'private'",
  fixedArgsEntryEmpty: 'fixed_args entries must be non-empty',
  displayNameTaken: 'a runtime profile with this display_name already exists',
  daemonIdRequired: 'daemon_id is required',
  workspaceIdRequired: 'workspace_id is required',
  // Upstream HEAD's sentence, since a request may carry only failed profiles (spec §8.5).
  runtimesRequired: 'at least one runtime or failed profile is required',
  profileCommandUnresolved: 'custom runtime command could not be resolved',
  invalidProfileIdField: 'invalid profile_id',
  unknownProfile: (profileId: string) => `unknown runtime profile: ${profileId}`,
  profileDisabled: (profileId: string) => `runtime profile is disabled: ${profileId}`,
  profileActiveAgents:
    'cannot delete runtime profile: active agents are still bound to its runtimes',
  profileActiveSquads:
    'cannot delete runtime profile: a runtime has active squads led by archived agents. Archive those squads or assign them a new leader first.',
  invalidRuntimeId: 'invalid runtime_id',
  runtimeNotFound: 'runtime not found',
  runtimeDeleteForbidden: 'you can only delete your own runtimes',
  runtimeActiveAgents:
    'cannot delete runtime: it has active agents bound to it. Archive or reassign the agents first.',
  runtimeActiveSquads:
    'cannot delete runtime: it has active squads led by archived agents. Archive those squads or assign them a new leader first.',
  payloadTooLarge: 'request body too large',
  routeNotFound: 'not found',
  operationNotFound: 'operation not found',
  queueUnavailable: 'the job queue is unavailable; retry shortly',
  profileDeleting: (profileId: string) => `runtime profile is being deleted: ${profileId}`,
  // Agents, squads and autopilots: upstream's create sentences where it has them (`... is
  // required`, `invalid leader_id`, `invalid squad id`, `squad not found`), ours in its tone.
  nameRequired: 'name is required',
  runtimeIdRequired: 'runtime_id is required',
  invalidAgentId: 'invalid agent id',
  agentNotFound: 'agent not found',
  agentNameTaken: 'an agent with this name already exists',
  leaderIdRequired: 'leader_id is required',
  invalidLeaderId: 'invalid leader_id',
  invalidSquadId: 'invalid squad id',
  squadNotFound: 'squad not found',
  titleRequired: 'title is required',
  assigneeTypeInvalid: "assignee_type must be 'agent' or 'squad'",
  assigneeIdRequired: 'assignee_id is required',
  invalidAssigneeId: 'invalid assignee_id',
  tooLong: (field: string, max: number) => `${field} must be at most ${max} characters`,
  nulBytes: (field: string) => `${field} cannot contain NUL bytes`,
  internal: 'internal error',
} as const;
