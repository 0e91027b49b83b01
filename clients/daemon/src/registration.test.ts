import { MESSAGES, type OperationJson, type RegisterResponse } from '@cp/contracts';
import {
  ApiError,
  type OperationAnswer,
  type RegisterAnswer,
  type RegisterRequest,
} from './api-client';
import { NetworkError } from './http';
import { createLogger, type LogRecord } from './log';
import {
  decideRefusal,
  type RegisterRetry,
  type RegistrationClient,
  RegistrationError,
  type RegistrationPolicy,
  type RequestBuilder,
  refusedProfileId,
  registerWithRetries,
} from './registration';
import type { Sleep } from './sleep';

const WORKSPACE_ID = '6676b6a0-1b7e-4bd6-9f4e-7b4bb1a4a2f1';
const KEPT = '3d19a2a4-5d0c-4c59-8a61-0f3c7a1f2b11';
const DOOMED = 'ac45e0b6-2f7d-4f4b-9d55-6d3d0d0f8e22';
const LOCATION = '/api/operations/runtime.register.1';

const POLICY: RegistrationPolicy = {
  backoff: { baseMs: 100, maxMs: 1_000 },
  maxAttempts: 4,
  pollMs: { initial: 10, max: 40 },
  followTimeoutMs: 1_000,
};

const REGISTERED: RegisterResponse = { runtimes: [], repos: [], repos_version: '', settings: {} };

function operation(over: Partial<OperationJson> = {}): OperationJson {
  return {
    id: 'runtime.register.1',
    kind: 'runtime.register',
    status: 'queued',
    workspace_id: WORKSPACE_ID,
    target_id: null,
    result: null,
    error: null,
    created_at: '2026-12-04T06:38:11Z',
    updated_at: '2026-12-04T06:38:11Z',
    ...over,
  };
}

const registered: RegisterAnswer = { kind: 'registered', response: REGISTERED };
const accepted: RegisterAnswer = { kind: 'accepted', operation: operation(), location: LOCATION };
const running: OperationAnswer = {
  kind: 'operation',
  operation: operation({ status: 'running' }),
};
const succeeded: OperationAnswer = {
  kind: 'operation',
  operation: operation({ status: 'succeeded', result: REGISTERED }),
};
const failedWith = (code: string | undefined, message: string): OperationAnswer => ({
  kind: 'operation',
  operation: operation({
    status: 'failed',
    error: code === undefined ? null : { code, message },
  }),
});
const apiError = (
  route: 'register' | 'operation',
  status: number,
  message: string,
  code?: string,
  retryAfterMs?: number,
) => new ApiError(route, status, message, code, retryAfterMs);

/** Our own ApiClient's two calls, answering from scripts and recording what it was asked. */
class ScriptedClient implements RegistrationClient {
  readonly registered: RegisterRequest[] = [];
  readonly polled: string[] = [];

  constructor(
    private readonly registerScript: (RegisterAnswer | Error)[],
    private readonly operationScript: (OperationAnswer | Error)[] = [],
  ) {}

  register(request: RegisterRequest): Promise<RegisterAnswer> {
    this.registered.push(request);
    return next(this.registerScript, 'register');
  }

  getOperation(location: string): Promise<OperationAnswer> {
    this.polled.push(location);
    return next(this.operationScript, 'getOperation');
  }
}

function next<T>(script: (T | Error)[], call: string): Promise<T> {
  const answer = script.shift();
  if (answer === undefined) {
    return Promise.reject(new Error(`unscripted ${call}`));
  }
  return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
}

/** A clock that only moves when the code under test sleeps; every sleep is recorded. */
function fakeTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const sleep: Sleep = (ms) => {
    sleeps.push(ms);
    now += ms;
    return Promise.resolve();
  };
  return { sleeps, sleep, now: () => now };
}

/** A request with a runtime for each profile in `profiles` that is not excluded. */
function builder(profiles: string[]) {
  const calls: { refetch: boolean; excluded: string[] }[] = [];
  const build: RequestBuilder = ({ refetch, excluded }) => {
    calls.push({ refetch, excluded: [...excluded] });
    return Promise.resolve({
      workspace_id: WORKSPACE_ID,
      daemon_id: '9c069d3e-6f1f-4a55-8a1e-0d7c4b9f1a33',
      runtimes: profiles
        .filter((id) => !excluded.has(id))
        .map((id) => ({ name: `P ${id}`, type: 'codex', version: '1.0.0', profile_id: id })),
    });
  };
  return { build, calls };
}

function setup(
  registerScript: (RegisterAnswer | Error)[],
  operationScript: (OperationAnswer | Error)[] = [],
  opts: { random?: () => number; policy?: RegistrationPolicy } = {},
) {
  const client = new ScriptedClient(registerScript, operationScript);
  const time = fakeTime();
  const records: LogRecord[] = [];
  const retries: RegisterRetry[] = [];
  const session = {
    client,
    log: createLogger((r) => records.push(r), 'debug'),
    policy: opts.policy ?? POLICY,
    sleep: time.sleep,
    now: time.now,
    random: opts.random ?? (() => 0),
    onRetry: (retry: RegisterRetry) => retries.push(retry),
  };
  return { client, time, records, retries, session };
}

describe(refusedProfileId.name, () => {
  it.each([
    MESSAGES.unknownProfile(DOOMED),
    MESSAGES.profileDisabled(DOOMED),
    MESSAGES.profileDeleting(DOOMED),
    MESSAGES.profileDisabled(DOOMED.toUpperCase()),
  ])('reads the id from %j when the daemon sent it', (message) => {
    expect(refusedProfileId(message, [KEPT, DOOMED])).toBe(DOOMED);
  });

  it('names nothing for an id the daemon did not send, or another sentence', () => {
    expect(refusedProfileId(MESSAGES.profileDisabled(DOOMED), [KEPT])).toBeUndefined();
    expect(refusedProfileId(`invalid profile_id near ${DOOMED}`, [DOOMED])).toBeUndefined();
    expect(refusedProfileId(MESSAGES.profileDisabled(`${DOOMED}x`), [DOOMED])).toBeUndefined();
  });
});

describe(decideRefusal.name, () => {
  const sent = [KEPT, DOOMED];

  it.each([
    // A failed operation (no status) and the same refusal answered directly.
    [undefined, 'PROFILE_DISABLED', MESSAGES.profileDisabled(DOOMED)],
    [409, 'PROFILE_DISABLED', MESSAGES.profileDisabled(DOOMED)],
    [undefined, 'UNKNOWN_PROFILE', MESSAGES.unknownProfile(DOOMED)],
    [400, 'UNKNOWN_PROFILE', MESSAGES.unknownProfile(DOOMED)],
    [undefined, 'PROFILE_DELETING', MESSAGES.profileDeleting(DOOMED)],
    [409, 'PROFILE_DELETING', MESSAGES.profileDeleting(DOOMED)],
    // Upstream's api: the sentence alone.
    [409, undefined, MESSAGES.profileDisabled(DOOMED)],
    [400, undefined, MESSAGES.unknownProfile(DOOMED)],
  ])('excludes the profile: status %p, code %p', (status, code, message) => {
    expect(decideRefusal({ status, code, message }, sent)).toEqual({
      kind: 'exclude',
      profileId: DOOMED,
    });
  });

  it.each([
    [undefined, 'QUEUE_UNAVAILABLE'],
    [503, 'QUEUE_UNAVAILABLE'],
    [undefined, 'INTERNAL'],
    [500, 'INTERNAL'],
    [undefined, undefined],
    [429, undefined],
    [502, undefined],
  ])('retries: status %p, code %p', (status, code) => {
    expect(decideRefusal({ status, code, message: 'x' }, sent)).toEqual({ kind: 'retry' });
  });

  it.each([
    [undefined, 'VALIDATION_FAILED', 'display_name is required'],
    [400, 'VALIDATION_FAILED', 'display_name is required'],
    [undefined, 'WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound],
    [404, 'WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound],
    [401, undefined, MESSAGES.invalidToken],
    [400, undefined, MESSAGES.invalidRequestBody],
    // A profile code naming nothing the daemon sent, and an unusable 200.
    [409, 'PROFILE_DISABLED', MESSAGES.profileDisabled('someone-else')],
    [undefined, 'UNKNOWN_PROFILE', MESSAGES.unknownProfile('someone-else')],
    [200, undefined, 'unexpected answer to POST /api/daemon/register (HTTP 200): ...'],
    // A refusal sentence under another code decides nothing about profiles.
    [409, 'DISPLAY_NAME_TAKEN', MESSAGES.profileDisabled(DOOMED)],
  ])('is final: status %p, code %p', (status, code, message) => {
    expect(decideRefusal({ status, code, message }, sent)).toEqual({ kind: 'final' });
  });
});

describe(registerWithRetries.name, () => {
  it('drops a profile the operation refused, refetches once and registers the rest at once', async () => {
    const { client, time, records, session } = setup(
      [accepted, registered],
      [running, failedWith('PROFILE_DISABLED', MESSAGES.profileDisabled(DOOMED))],
    );
    const { build, calls } = builder([KEPT, DOOMED]);

    const sut = await registerWithRetries(session, build);

    expect(sut.excluded).toEqual([DOOMED]);
    expect(sut.request.runtimes?.map((r) => r.profile_id)).toEqual([KEPT]);
    expect(client.registered.map((r) => r.runtimes?.map((x) => x.profile_id))).toEqual([
      [KEPT, DOOMED],
      [KEPT],
    ]);
    expect(calls).toEqual([
      { refetch: false, excluded: [] },
      { refetch: true, excluded: [DOOMED] },
    ]);
    // Two polls (10 ms, then 15 ms), and no backoff before the second register.
    expect(time.sleeps).toEqual([10, 15]);
    expect(records.find((r) => r.event === 'profile_refused')?.fields).toEqual({
      profile_id: DOOMED,
      status: undefined,
      code: 'PROFILE_DISABLED',
      reason: MESSAGES.profileDisabled(DOOMED),
    });
  });

  it('drops a profile refused by a direct 409 the same way', async () => {
    const { client, time, session } = setup([
      {
        kind: 'refused',
        error: apiError('register', 409, MESSAGES.profileDeleting(DOOMED), 'PROFILE_DELETING'),
      },
      registered,
    ]);

    const sut = await registerWithRetries(session, builder([KEPT, DOOMED]).build);

    expect(sut.excluded).toEqual([DOOMED]);
    expect(client.registered).toHaveLength(2);
    expect(time.sleeps).toEqual([]);
  });

  it('is final when the same profile is refused again', async () => {
    const refusal: RegisterAnswer = {
      kind: 'refused',
      error: apiError('register', 409, MESSAGES.profileDisabled(DOOMED), 'PROFILE_DISABLED'),
    };
    const { session } = setup([refusal, refusal]);
    // A builder that ignores `excluded`: the loop must still end.
    const stubborn: RequestBuilder = (opts) =>
      builder([DOOMED]).build({ ...opts, excluded: new Set() });

    const failure = registerWithRetries(session, stubborn);

    await expect(failure).rejects.toThrow(RegistrationError);
    await expect(failure).rejects.toMatchObject({ status: 409, code: 'PROFILE_DISABLED' });
  });

  it('registers again when the followed operation has vanished (404)', async () => {
    const vanished: OperationAnswer = {
      kind: 'refused',
      error: apiError('operation', 404, MESSAGES.operationNotFound, 'OPERATION_NOT_FOUND'),
    };
    const { client, time, retries, session } = setup([accepted, registered], [vanished]);

    const sut = await registerWithRetries(session, builder([KEPT]).build);

    expect(sut.followed).toBe(false);
    expect(client.registered).toHaveLength(2);
    expect(client.polled).toEqual([LOCATION]);
    // One poll, then one backoff (random 0: half of the 100 ms step).
    expect(time.sleeps).toEqual([10, 50]);
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, waitMs: 50, status: 404 })]);
  });

  it('retries a failed operation without a code or with a transient one', async () => {
    const { client, time, session } = setup(
      [accepted, accepted, registered],
      [failedWith(undefined, ''), failedWith('QUEUE_UNAVAILABLE', MESSAGES.queueUnavailable)],
    );

    const sut = await registerWithRetries(session, builder([KEPT]).build);

    expect(sut.response).toEqual(REGISTERED);
    expect(client.registered).toHaveLength(3);
    expect(time.sleeps).toEqual([10, 50, 10, 100]);
  });

  it('is final for a failed operation with any other code, without inventing a status', async () => {
    const { client, session } = setup(
      [accepted],
      [failedWith('WORKSPACE_NOT_FOUND', MESSAGES.workspaceNotFound)],
    );

    const failure = registerWithRetries(session, builder([KEPT]).build);

    await expect(failure).rejects.toThrow(MESSAGES.workspaceNotFound);
    await expect(failure).rejects.toMatchObject({
      status: undefined,
      code: 'WORKSPACE_NOT_FOUND',
    });
    expect(client.registered).toHaveLength(1);
  });

  it('is final for a 200 it cannot read', async () => {
    const unreadable = apiError(
      'register',
      200,
      'unexpected answer to POST /api/daemon/register (HTTP 200): the body is not JSON (text/html)',
    );
    const { client, time, session } = setup([unreadable]);

    const failure = registerWithRetries(session, builder([KEPT]).build);

    await expect(failure).rejects.toThrow(RegistrationError);
    await expect(failure).rejects.toMatchObject({ status: 200 });
    expect(client.registered).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it('gives up following after followTimeoutMs and registers again', async () => {
    const polls = Array.from({ length: 40 }, () => running);
    const { client, time, session } = setup([accepted, registered], polls);

    const sut = await registerWithRetries(session, builder([KEPT]).build);

    expect(sut.followed).toBe(false);
    expect(client.registered).toHaveLength(2);
    // Pauses from 10 ms growing by half up to 40 ms; the one that crossed the deadline ends the
    // follow; then one backoff before registering again.
    expect(time.sleeps.at(-1)).toBe(50);
    const polled = time.sleeps.slice(0, -1);
    expect(polled.slice(0, 5)).toEqual([10, 15, 23, 35, 40]);
    const total = polled.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(POLICY.followTimeoutMs);
    expect(total - (polled.at(-1) ?? 0)).toBeLessThanOrEqual(POLICY.followTimeoutMs);
    expect(client.polled).toHaveLength(polled.length - 1);
  });

  it('gives up after maxAttempts failures in a row', async () => {
    const down = () => new NetworkError('POST /api/daemon/register: ECONNREFUSED');
    const { client, time, retries, session } = setup([down(), down(), down(), down(), down()]);

    const failure = registerWithRetries(session, builder([KEPT]).build);

    await expect(failure).rejects.toThrow(
      'registration failed after 4 attempts: POST /api/daemon/register: ECONNREFUSED',
    );
    expect(client.registered).toHaveLength(POLICY.maxAttempts);
    expect(time.sleeps).toHaveLength(POLICY.maxAttempts - 1);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
  });

  it('backs off exponentially with equal jitter on network errors', async () => {
    const down = () => new NetworkError('ECONNRESET');
    const low = setup([down(), down(), down(), registered], [], {
      random: () => 0,
      policy: { ...POLICY, maxAttempts: 10 },
    });
    const high = setup([down(), down(), down(), registered], [], {
      random: () => 0.999999,
      policy: { ...POLICY, maxAttempts: 10 },
    });

    await registerWithRetries(low.session, builder([KEPT]).build);
    await registerWithRetries(high.session, builder([KEPT]).build);

    // Steps of 100, 200, 400 ms: each wait lies between half the step and the step.
    expect(low.time.sleeps).toEqual([50, 100, 200]);
    expect(high.time.sleeps).toEqual([100, 200, 400]);
    expect(low.retries.map((r) => r.waitMs)).toEqual(low.time.sleeps);
  });

  it('never registers again sooner than Retry-After', async () => {
    const unavailable = apiError(
      'register',
      503,
      MESSAGES.queueUnavailable,
      'QUEUE_UNAVAILABLE',
      5_000,
    );
    const { time, records, session } = setup([
      { kind: 'refused', error: unavailable },
      { kind: 'refused', error: unavailable },
      registered,
    ]);

    await registerWithRetries(session, builder([KEPT]).build);

    // The floor (the 100/200 ms backoff is shorter), plus up to half of it at random (0 here).
    expect(time.sleeps).toEqual([5_000, 5_000]);
    expect(records.find((r) => r.event === 'register_retry')?.fields).toMatchObject({
      status: 503,
      retry_after_ms: 5_000,
      wait_ms: 5_000,
    });
  });

  it('never polls an operation again sooner than Retry-After', async () => {
    const busy: OperationAnswer = {
      kind: 'refused',
      error: apiError('operation', 429, 'too many requests', undefined, 3_000),
    };
    const { client, time, session } = setup([accepted], [busy, busy, succeeded], {
      random: () => 1,
      policy: { ...POLICY, followTimeoutMs: 60_000 },
    });

    const sut = await registerWithRetries(session, builder([KEPT]).build);

    expect(sut.followed).toBe(true);
    expect(client.polled).toHaveLength(3);
    // poll, Retry-After wait, poll, Retry-After wait, poll: each wait at least 3 s and at most
    // 1.5 times it.
    const [, firstWait, , secondWait] = time.sleeps;
    for (const wait of [firstWait, secondWait]) {
      expect(wait).toBeGreaterThanOrEqual(3_000);
      expect(wait).toBeLessThanOrEqual(4_500);
    }
  });
});
