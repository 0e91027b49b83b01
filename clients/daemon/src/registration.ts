import { type ErrorCode, MESSAGES, type OperationJson, type RegisterResponse } from '@cp/contracts';
import { type ApiClient, ApiError, type RegisterRequest, registerResultOf } from './api-client';
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelayMs } from './backoff';
import { NetworkError } from './http';
import { type DaemonLogger, errorText } from './log';
import { realSleep, type Sleep } from './sleep';

/** A registration that cannot succeed by retrying: a refusal, or retries used up. */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  /** The error code of the last refusal, when the server sent one. */
  readonly code: string | undefined;

  constructor(
    message: string,
    /** The HTTP status of the last answer, when there was one (none for a failed operation). */
    readonly status?: number,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, { cause: options?.cause });
    this.code = options?.code;
  }
}

/** A registration operation that ended `failed`: the worker's error code and sentence. */
export class OperationFailedError extends Error {
  override readonly name = 'OperationFailedError';

  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
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

/** The calls a registration makes: {@link ApiClient}'s, or a test's stand-in. */
export type RegistrationClient = Pick<ApiClient, 'register' | 'getOperation'>;

/** A retry of the register loop, about to wait `waitMs` (the `register_retry` log line). */
export interface RegisterRetry {
  /** Failed tries in a row so far (1 for the first retry). */
  attempt: number;
  waitMs: number;
  error: Error;
  status: number | undefined;
}

/** What a registration needs besides its request. */
export interface RegistrationSession {
  client: RegistrationClient;
  log: DaemonLogger;
  policy?: RegistrationPolicy;
  sleep?: Sleep;
  random?: () => number;
  /** The clock the follow timeout is measured with (`Date.now` by default). */
  now?: () => number;
  signal?: AbortSignal;
  /** Called when a registration was answered 202 and is being followed (statistics). */
  onAccepted?(operation: OperationJson): void;
  /** Called before each backoff wait of the register loop (statistics). */
  onRetry?(retry: RegisterRetry): void;
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

/** A server's verdict on a register request: an HTTP error answer or a failed operation. */
export interface Refusal {
  /** The answer's HTTP status; undefined for a failed operation (its poll was a 200). */
  status: number | undefined;
  /** Our api's error code; upstream's bodies have none. */
  code: string | undefined;
  message: string;
}

/** What to do about a {@link Refusal}. */
export type RefusalDecision =
  { kind: 'exclude'; profileId: string } | { kind: 'retry' } | { kind: 'final' };

const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/** The worker refused one profile of the request: dropping it lets the rest register. */
const PROFILE_REFUSAL_CODES: readonly string[] = [
  'UNKNOWN_PROFILE',
  'PROFILE_DISABLED',
  'PROFILE_DELETING',
] satisfies ErrorCode[];

/** Clears by itself (Redis back, a transient fault): register again after a backoff. */
const RETRYABLE_CODES: readonly string[] = ['QUEUE_UNAVAILABLE', 'INTERNAL'] satisfies ErrorCode[];

/** The sentences naming a refused profile, each followed by its id (upstream's words). */
const PROFILE_SENTENCE_PREFIXES = [
  MESSAGES.unknownProfile(''),
  MESSAGES.profileDisabled(''),
  MESSAGES.profileDeleting(''),
];

/**
 * The profile a refusal names, if the daemon sent it. The api's error body has no structured
 * profile id (the code, the sentence, `details` only for validation), so the id is read from the
 * sentence's known form, `unknown runtime profile: <id>` and the like, and must be one of
 * `sentProfileIds` (those of the request's runtimes and failed profiles).
 */
export function refusedProfileId(
  message: string,
  sentProfileIds: readonly string[],
): string | undefined {
  const prefix = PROFILE_SENTENCE_PREFIXES.find((p) => message.startsWith(p));
  if (prefix === undefined) {
    return undefined;
  }
  const named = message.slice(prefix.length).trim().toLowerCase();
  return sentProfileIds.find((id) => id.toLowerCase() === named);
}

/**
 * The one decision on a refusal, for a direct HTTP answer and a failed operation alike:
 * - `UNKNOWN_PROFILE`, `PROFILE_DISABLED`, `PROFILE_DELETING` naming a profile the daemon sent:
 *   exclude it (final when the sentence names none of them);
 * - `QUEUE_UNAVAILABLE`, `INTERNAL`: retry after a backoff;
 * - no code: a failed operation retries (the worker died without a verdict); an HTTP answer
 *   retries on 429 and 5xx, and a 400/409 naming a sent profile (upstream's api, whose bodies
 *   carry the sentence alone) excludes it;
 * - anything else (401, 403, 404 `workspace not found`, `VALIDATION_FAILED`, an unusable 2xx):
 *   final.
 */
export function decideRefusal(
  refusal: Refusal,
  sentProfileIds: readonly string[],
): RefusalDecision {
  const { status, code, message } = refusal;
  const exclude = (): RefusalDecision => {
    const profileId = refusedProfileId(message, sentProfileIds);
    return profileId === undefined ? { kind: 'final' } : { kind: 'exclude', profileId };
  };
  if (code !== undefined && PROFILE_REFUSAL_CODES.includes(code)) {
    return exclude();
  }
  if (code !== undefined && RETRYABLE_CODES.includes(code)) {
    return { kind: 'retry' };
  }
  if (status === undefined) {
    return code === undefined ? { kind: 'retry' } : { kind: 'final' };
  }
  if (isRetryableStatus(status)) {
    return { kind: 'retry' };
  }
  if (code === undefined && (status === 400 || status === 409)) {
    return exclude();
  }
  return { kind: 'final' };
}

/** The profile ids a register request carries. */
function sentProfileIds(request: RegisterRequest): string[] {
  return [
    ...(request.runtimes ?? []).map((r) => r.profile_id ?? ''),
    ...(request.failed_profiles ?? []).map((f) => f.profile_id ?? ''),
  ].filter((id) => id !== '');
}

type RefusalError = ApiError | OperationFailedError;

const refusalOf = (error: RefusalError): Refusal => ({
  status: error instanceof ApiError ? error.status : undefined,
  code: error.code,
  message: error.message,
});

type Step =
  | { kind: 'done'; response: RegisterResponse; followed: boolean }
  /** No verdict: the network, a follow timeout, a vanished operation. */
  | { kind: 'retry'; error: Error; retryAfterMs?: number }
  | { kind: 'refused'; error: RefusalError };

/**
 * Registers, the way a daemon must in a fleet (ARCHITECTURE.md §1): 200 is done; 202 is
 * followed through `GET /api/operations/{id}` until the job ends; a refusal is judged by
 * {@link decideRefusal}: a refused profile is dropped, the profiles refetched once and the
 * request sent again at once; 429, 5xx, `QUEUE_UNAVAILABLE`, `INTERNAL` and network errors
 * back off exponentially with jitter, never sooner than a `Retry-After`. Anything else is final.
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
    let retryAfterMs: number | undefined;
    if (step.kind === 'refused') {
      const refusal = refusalOf(step.error);
      const decision = decideRefusal(refusal, sentProfileIds(request));
      if (
        decision.kind === 'final' ||
        (decision.kind === 'exclude' && excluded.has(decision.profileId))
      ) {
        throw new RegistrationError(step.error.message, refusal.status, {
          cause: step.error,
          code: refusal.code,
        });
      }
      if (decision.kind === 'exclude') {
        excluded.add(decision.profileId);
        log.warn('profile_refused', {
          profile_id: decision.profileId,
          status: refusal.status,
          code: refusal.code,
          reason: refusal.message,
        });
        request = await build({ refetch: !refetched, excluded });
        refetched = true;
        continue;
      }
      retryAfterMs = step.error instanceof ApiError ? step.error.retryAfterMs : undefined;
    } else {
      retryAfterMs = step.retryAfterMs;
    }
    failures++;
    const status = step.error instanceof ApiError ? step.error.status : undefined;
    if (failures >= policy.maxAttempts) {
      throw new RegistrationError(
        `registration failed after ${failures} attempts: ${errorText(step.error)}`,
        status,
        { cause: step.error, code: step.error instanceof ApiError ? step.error.code : undefined },
      );
    }
    const waitMs = retryDelayMs(failures - 1, retryAfterMs, policy.backoff, random);
    log.warn('register_retry', {
      status,
      reason: errorText(step.error),
      retry_after_ms: retryAfterMs,
      attempt: failures,
      wait_ms: waitMs,
    });
    session.onRetry?.({ attempt: failures, waitMs, error: step.error, status });
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
    if (err instanceof ApiError) {
      // A 200 or 202 it cannot use: judged like any answer.
      return { kind: 'refused', error: err };
    }
    throw err;
  }
  switch (answer.kind) {
    case 'registered':
      return { kind: 'done', response: answer.response, followed: false };
    case 'refused':
      return { kind: 'refused', error: answer.error };
    case 'accepted':
      session.log.info('register_accepted', { operation_id: answer.operation.id });
      session.onAccepted?.(answer.operation);
      return follow(session, policy, sleep, random, answer.location);
  }
}

/**
 * Reads the operation at `location` until it ends. A vanished operation (404: expired, or
 * Redis lost) sends the daemon back to register again, which is idempotent; so does one still
 * running after `followTimeoutMs`. Polls that fail (network, 429, 5xx) back off, at most
 * `maxAttempts` in a row.
 */
async function follow(
  session: RegistrationSession,
  policy: RegistrationPolicy,
  sleep: Sleep,
  random: () => number,
  location: string,
): Promise<Step> {
  const now = session.now ?? Date.now;
  const deadline = now() + policy.followTimeoutMs;
  let pauseMs = policy.pollMs.initial;
  let failures = 0;
  for (;;) {
    await sleep(pauseMs, session.signal);
    pauseMs = Math.min(policy.pollMs.max, Math.round(pauseMs * 1.5));
    if (now() > deadline) {
      return {
        kind: 'retry',
        error: new Error(`operation ${location} did not end within ${policy.followTimeoutMs} ms`),
      };
    }
    let answer;
    try {
      answer = await session.client.getOperation(location);
    } catch (err) {
      if (err instanceof ApiError) {
        return { kind: 'refused', error: err };
      }
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
      try {
        return { kind: 'done', response: registerResultOf(operation), followed: true };
      } catch (err) {
        if (err instanceof ApiError) {
          return { kind: 'refused', error: err };
        }
        throw err;
      }
    }
    if (operation.status === 'failed') {
      const code = operation.error?.code;
      const message = operation.error?.message ?? 'the registration failed';
      return {
        kind: 'refused',
        error: new OperationFailedError(message, code === '' ? undefined : code),
      };
    }
  }
}
