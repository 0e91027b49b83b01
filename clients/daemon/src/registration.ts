import { type OperationJson, RegisterResponse } from '@cp/contracts';
import { type ApiClient, ApiError, type RegisterRequest } from './api-client';
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelayMs } from './backoff';
import { NetworkError } from './http';
import { type DaemonLogger, errorText } from './log';
import { realSleep, type Sleep } from './sleep';

/** A registration that cannot succeed by retrying: a refusal, or retries used up. */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';

  constructor(
    message: string,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How a registration retries and follows its operation. */
export interface RegistrationPolicy {
  backoff: BackoffPolicy;
  /** Tries at most this many times in a row on 429, 5xx or network errors (Infinity: forever). */
  maxAttempts: number;
  /** First and longest pause between two reads of an operation. */
  pollMs: { initial: number; max: number };
  /** Give up following an operation after this long (and register again). */
  followTimeoutMs: number;
}

/** Retries for a minute or so, polls operations from 200 ms up to 2 s. */
export const DEFAULT_REGISTRATION_POLICY: RegistrationPolicy = {
  backoff: DEFAULT_BACKOFF,
  maxAttempts: 10,
  pollMs: { initial: 200, max: 2_000 },
  followTimeoutMs: 120_000,
};

/** What a registration needs besides its request. */
export interface RegistrationSession {
  client: ApiClient;
  log: DaemonLogger;
  policy?: RegistrationPolicy;
  sleep?: Sleep;
  random?: () => number;
  signal?: AbortSignal;
  /** Called when a registration was answered 202 and is being followed (statistics). */
  onAccepted?(operation: OperationJson): void;
}

/**
 * Builds the register request. Called once, and again after the server refused one of its
 * profiles: then `excluded` names every refused profile and `refetch` asks (once) for a fresh
 * profile list, since the refusal means the daemon's copy is stale.
 */
export type RequestBuilder = (opts: {
  refetch: boolean;
  excluded: ReadonlySet<string>;
}) => Promise<RegisterRequest>;

/** A registration that went through. */
export interface RegistrationResult {
  request: RegisterRequest;
  response: RegisterResponse;
  /** Whether the answer came through a followed 202. */
  followed: boolean;
  /** Profiles the server refused and the request was retried without. */
  excluded: string[];
}

/** The operation error codes and the status the api gives each when it answers in time. */
const OPERATION_ERROR_STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNKNOWN_PROFILE: 400,
  WORKSPACE_NOT_FOUND: 404,
  PROFILE_DISABLED: 409,
  PROFILE_DELETING: 409,
};

type Step =
  | { kind: 'done'; response: RegisterResponse; followed: boolean }
  | { kind: 'retry'; error: Error; retryAfterMs?: number }
  | { kind: 'refused'; error: ApiError };

const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/** The profile a 400/409 refused: one of the request's profile ids named in the sentence. */
function refusedProfile(error: ApiError, request: RegisterRequest): string | undefined {
  if (error.status !== 400 && error.status !== 409) {
    return undefined;
  }
  const sent = [
    ...(request.runtimes ?? []).map((r) => r.profile_id ?? ''),
    ...(request.failed_profiles ?? []).map((f) => f.profile_id ?? ''),
  ].filter((id) => id !== '');
  const message = error.message.toLowerCase();
  return sent.find((id) => message.includes(id.toLowerCase()));
}

/**
 * Registers, the way a daemon must in a fleet (ARCHITECTURE.md §1): 200 is done; 202 is
 * followed through `GET /api/operations/{id}` until the job ends; a 400/409 naming one of the
 * request's profiles drops that profile, refetches the profiles once and tries again at once;
 * 429, 5xx and network errors back off exponentially with jitter, never sooner than a
 * `Retry-After`. Anything else is final.
 * @throws RegistrationError when refused, or when `maxAttempts` retries in a row failed.
 */
export async function registerWithRetries(
  session: RegistrationSession,
  build: RequestBuilder,
): Promise<RegistrationResult> {
  const policy = session.policy ?? DEFAULT_REGISTRATION_POLICY;
  const sleep = session.sleep ?? realSleep;
  const random = session.random ?? Math.random;
  const { log, signal } = session;
  const excluded = new Set<string>();
  let refetched = false;
  let request = await build({ refetch: false, excluded });
  let failures = 0;

  for (;;) {
    signal?.throwIfAborted();
    const step = await attempt(session, policy, sleep, random, request);
    if (step.kind === 'done') {
      return {
        request,
        response: step.response,
        followed: step.followed,
        excluded: [...excluded],
      };
    }
    if (step.kind === 'refused') {
      const profileId = refusedProfile(step.error, request);
      if (profileId === undefined || excluded.has(profileId)) {
        throw new RegistrationError(step.error.message, step.error.status, { cause: step.error });
      }
      excluded.add(profileId);
      log.warn('profile_refused', {
        profile_id: profileId,
        status: step.error.status,
        reason: step.error.message,
      });
      request = await build({ refetch: !refetched, excluded });
      refetched = true;
      continue;
    }
    failures++;
    const status = step.error instanceof ApiError ? step.error.status : undefined;
    if (failures >= policy.maxAttempts) {
      throw new RegistrationError(
        `registration failed after ${failures} attempts: ${errorText(step.error)}`,
        status,
        { cause: step.error },
      );
    }
    const waitMs = retryDelayMs(failures - 1, step.retryAfterMs, policy.backoff, random);
    log.warn('register_retry', {
      status,
      reason: errorText(step.error),
      retry_after_ms: step.retryAfterMs,
      attempt: failures,
      wait_ms: waitMs,
    });
    await sleep(waitMs, signal);
  }
}

/** One register request, followed to its end when answered 202. */
async function attempt(
  session: RegistrationSession,
  policy: RegistrationPolicy,
  sleep: Sleep,
  random: () => number,
  request: RegisterRequest,
): Promise<Step> {
  let answer;
  try {
    answer = await session.client.register(request);
  } catch (err) {
    if (err instanceof NetworkError) {
      return { kind: 'retry', error: err };
    }
    throw err;
  }
  switch (answer.kind) {
    case 'registered':
      return { kind: 'done', response: answer.response, followed: false };
    case 'refused':
      return isRetryableStatus(answer.error.status)
        ? { kind: 'retry', error: answer.error, retryAfterMs: answer.error.retryAfterMs }
        : { kind: 'refused', error: answer.error };
    case 'accepted':
      session.log.info('register_accepted', { operation_id: answer.operation.id });
      session.onAccepted?.(answer.operation);
      return follow(session, policy, sleep, random, answer.location);
  }
}

/**
 * Reads the operation at `location` until it ends. A vanished operation (404: expired, or
 * Redis lost) sends the daemon back to register again, which is idempotent.
 */
async function follow(
  session: RegistrationSession,
  policy: RegistrationPolicy,
  sleep: Sleep,
  random: () => number,
  location: string,
): Promise<Step> {
  const deadline = Date.now() + policy.followTimeoutMs;
  let pauseMs = policy.pollMs.initial;
  let failures = 0;
  for (;;) {
    await sleep(pauseMs, session.signal);
    pauseMs = Math.min(policy.pollMs.max, Math.round(pauseMs * 1.5));
    if (Date.now() > deadline) {
      return {
        kind: 'retry',
        error: new Error(`operation ${location} did not end within ${policy.followTimeoutMs} ms`),
      };
    }
    let answer;
    try {
      answer = await session.client.getOperation(location);
    } catch (err) {
      if (!(err instanceof NetworkError)) {
        throw err;
      }
      if (++failures >= policy.maxAttempts) {
        return { kind: 'retry', error: err };
      }
      await sleep(retryDelayMs(failures - 1, undefined, policy.backoff, random), session.signal);
      continue;
    }
    if (answer.kind === 'refused') {
      const { error } = answer;
      if (error.status === 404) {
        return { kind: 'retry', error };
      }
      if (!isRetryableStatus(error.status)) {
        return { kind: 'refused', error };
      }
      if (++failures >= policy.maxAttempts) {
        return { kind: 'retry', error, retryAfterMs: error.retryAfterMs };
      }
      await sleep(
        retryDelayMs(failures - 1, error.retryAfterMs, policy.backoff, random),
        session.signal,
      );
      continue;
    }
    failures = 0;
    const { operation } = answer;
    if (operation.status === 'succeeded') {
      return { kind: 'done', response: RegisterResponse.parse(operation.result), followed: true };
    }
    if (operation.status === 'failed') {
      const code = operation.error?.code;
      const message = operation.error?.message ?? 'the registration failed';
      const status = (code !== undefined ? OPERATION_ERROR_STATUS[code] : undefined) ?? 500;
      const error = new ApiError('operation', status, message, code, undefined);
      return isRetryableStatus(status) ? { kind: 'retry', error } : { kind: 'refused', error };
    }
  }
}
