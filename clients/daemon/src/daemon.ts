import { hostname } from 'node:os';
import type { DaemonProfileView, RegisterResponse } from '@cp/contracts';
import { ApiClient, ApiError, type RegisterRequest } from './api-client';
import type { RegistrationRecord } from './bookkeeping';
import {
  buildRegisterRequest,
  type CommandTools,
  type DaemonIdentity,
  type DetectedBuiltIn,
  detectBuiltIns,
  isEmptyRequest,
  type ProfileResolution,
  profileSignature,
  resolveProfiles,
} from './detection';
import { HttpClient, NetworkError } from './http';
import { type DaemonLogger, errorText } from './log';
import { makeVersionProbe } from './probe';
import {
  DEFAULT_REGISTRATION_POLICY,
  registerWithRetries,
  type RegistrationPolicy,
} from './registration';
import { realSleep, type Sleep } from './sleep';
import { DaemonState } from './state';
import { DAEMON_VERSION } from './version';
import { type LookPathEnv, lookPath } from './which';

/** The message of a daemon that found nothing to register or report (upstream's words). */
export const NO_RUNTIMES_MESSAGE = 'no agent runtimes could be registered';

/** Nothing to register: no built-in CLI, no profile resolved or failed. */
export class NoRuntimesError extends Error {
  override readonly name = 'NoRuntimesError';

  constructor() {
    super(NO_RUNTIMES_MESSAGE);
  }
}

/** Everything a daemon is configured with. */
export interface DaemonOptions {
  server: URL;
  token: string;
  workspaceId: string;
  /** Shown in runtime names and `device_info`; the hostname by default. */
  deviceName?: string;
  stateDir: string;
  /** Where commands are looked up (PATH and the working directory). */
  lookPathEnv: LookPathEnv;
  log: DaemonLogger;
  /** `launched_by` in the register request (empty by default, as upstream's CLI sends). */
  launchedBy?: string;
  /** Commands and probes; the real PATH lookup and `--version` probe by default. */
  tools?: CommandTools;
  policy?: RegistrationPolicy;
  sleep?: Sleep;
  random?: () => number;
  /** Heartbeat every runtime this often while running (15 s, upstream's period). */
  heartbeatIntervalMs?: number;
  /** Refetch the profiles this often and re-register when they changed (60 s). */
  profileSyncIntervalMs?: number;
  /** Sockets to the api at most (4). */
  maxSockets?: number;
}

/** What a registration found on this host, before anything is sent. */
export interface Detection {
  builtIns: DetectedBuiltIn[];
  /** Undefined when the profile list could not be fetched (then only built-ins register). */
  profiles: DaemonProfileView[] | undefined;
  resolutions: ProfileResolution[];
}

/** A registration done: what was sent last, the server's answer and the stored record. */
export interface RegisterOutcome {
  request: RegisterRequest;
  response: RegisterResponse;
  record: RegistrationRecord;
  followed: boolean;
}

/**
 * A daemon: detects the built-in CLIs and resolves the workspace's profiles on this host,
 * registers them in one request, remembers the outcome in its state directory and, while
 * running, heartbeats its runtimes and re-registers when one is gone or the profiles changed.
 */
export class Daemon {
  private readonly http: HttpClient;
  private readonly client: ApiClient;
  private readonly state: DaemonState;
  private readonly tools: CommandTools;
  private readonly log: DaemonLogger;
  private readonly sleep: Sleep;
  private lastSignature: string | undefined;

  constructor(private readonly opts: DaemonOptions) {
    this.http = new HttpClient(opts.server, { maxSockets: opts.maxSockets ?? 4 });
    this.client = new ApiClient(this.http, opts.token);
    this.state = new DaemonState(opts.stateDir, opts.log);
    this.log = opts.log;
    this.sleep = opts.sleep ?? realSleep;
    this.tools = opts.tools ?? {
      lookPath: (name) => lookPath(name, opts.lookPathEnv),
      probe: makeVersionProbe(),
    };
  }

  get deviceName(): string {
    return this.opts.deviceName ?? hostname();
  }

  /**
   * Fetches the enabled profiles. Any failure (404 from a server without the route, 5xx, the
   * network, a 200 that is not the list: a proxy's page, another server's shape) is logged in
   * one line and yields undefined: built-ins still register (spec §6.3, which swallows every
   * fetch error).
   */
  async fetchProfiles(): Promise<DaemonProfileView[] | undefined> {
    try {
      return (await this.client.listProfiles(this.opts.workspaceId)).runtime_profiles;
    } catch (err) {
      this.log.info('profiles_unavailable', {
        status: err instanceof ApiError ? err.status : undefined,
        reason: errorText(err),
      });
      return undefined;
    }
  }

  /** Detects the built-ins and resolves the profiles, without registering. */
  async detect(): Promise<Detection> {
    const [builtIns, profiles] = await Promise.all([
      detectBuiltIns(this.tools, this.log),
      this.fetchProfiles(),
    ]);
    const resolutions = await resolveProfiles(profiles ?? [], this.tools, this.log);
    return { builtIns, profiles, resolutions };
  }

  private async identity(): Promise<DaemonIdentity> {
    const { id, created } = await this.state.daemonId();
    if (created) {
      this.log.info('daemon_id_created', { daemon_id: id, state_dir: this.opts.stateDir });
    }
    return {
      workspaceId: this.opts.workspaceId,
      daemonId: id,
      legacyDaemonIds: await this.state.legacyDaemonIds(id, hostname()),
      deviceName: this.deviceName,
      cliVersion: DAEMON_VERSION,
      launchedBy: this.opts.launchedBy ?? '',
    };
  }

  /**
   * Registers once: detect, send, follow a 202, retry as {@link registerWithRetries} does, then
   * store the record. @throws NoRuntimesError when there is nothing to send;
   * RegistrationError when the server refused or retries ran out.
   */
  async register(signal?: AbortSignal): Promise<RegisterOutcome> {
    const identity = await this.identity();
    let detection = await this.detect();
    this.lastSignature = detection.profiles ? profileSignature(detection.profiles) : undefined;
    const result = await registerWithRetries(
      {
        client: this.client,
        log: this.log,
        policy: this.opts.policy ?? { ...DEFAULT_REGISTRATION_POLICY, maxAttempts: Infinity },
        sleep: this.sleep,
        random: this.opts.random,
        signal,
      },
      async ({ refetch, excluded }) => {
        if (refetch) {
          const profiles = await this.fetchProfiles();
          detection = {
            ...detection,
            profiles,
            resolutions: await resolveProfiles(profiles ?? [], this.tools, this.log),
          };
          this.lastSignature = profiles ? profileSignature(profiles) : undefined;
        }
        const request = buildRegisterRequest(
          identity,
          detection.builtIns,
          detection.resolutions,
          excluded,
        );
        if (isEmptyRequest(request)) {
          throw new NoRuntimesError();
        }
        return request;
      },
    );
    const record = toRecord(this.opts, identity, detection, result.response, result.excluded);
    await this.state.saveRegistration(record);
    this.log.info('registered', {
      workspace_id: identity.workspaceId,
      daemon_id: identity.daemonId,
      runtimes: record.runtimes.length,
      failed_profiles: record.failed_profiles.length,
      followed_202: result.followed || undefined,
    });
    for (const runtime of record.runtimes) {
      this.log.info('runtime', {
        runtime_id: runtime.id,
        provider: runtime.provider,
        profile_id: runtime.profile_id ?? undefined,
        status: runtime.status,
      });
    }
    for (const failed of record.failed_profiles) {
      this.log.warn('profile_not_runnable', { ...failed });
    }
    if (record.runtimes.length === 0) {
      this.log.warn('no_runnable_runtimes', { reason: NO_RUNTIMES_MESSAGE });
    }
    return {
      request: result.request,
      response: result.response,
      record,
      followed: result.followed,
    };
  }

  /**
   * Registers, then (unless `once`) keeps running until `signal` aborts: heartbeats each
   * online runtime every interval and re-registers when the server answers that one is gone
   * (404) or when the profile list changed. Failures after the first registration are logged
   * and retried on the next tick. Resolves to the last registration.
   */
  async run(opts: { once?: boolean; signal?: AbortSignal } = {}): Promise<RegisterOutcome> {
    const { signal } = opts;
    let outcome = await this.register(signal);
    if (opts.once) {
      return outcome;
    }
    const heartbeatMs = this.opts.heartbeatIntervalMs ?? 15_000;
    const syncMs = this.opts.profileSyncIntervalMs ?? 60_000;
    let lastSync = Date.now();
    try {
      for (;;) {
        await this.sleep(heartbeatMs, signal);
        let reason: string | undefined;
        const gone = await this.heartbeat(outcome.record);
        if (gone.length > 0) {
          reason = 'runtime_gone';
        } else if (Date.now() - lastSync >= syncMs) {
          lastSync = Date.now();
          reason = await this.profilesChanged();
        }
        if (reason !== undefined) {
          try {
            this.log.info('reregistering', { reason });
            outcome = await this.register(signal);
          } catch (err) {
            if (signal?.aborted) {
              throw err;
            }
            this.log.error('register_failed', { reason: errorText(err) });
          }
        }
      }
    } catch (err) {
      if (signal?.aborted) {
        this.log.info('stopped');
        return outcome;
      }
      throw err;
    }
  }

  /** Heartbeats the online runtimes; returns those the server no longer has. */
  private async heartbeat(record: RegistrationRecord): Promise<string[]> {
    const gone: string[] = [];
    for (const runtime of record.runtimes.filter((r) => r.status === 'online')) {
      try {
        if (!(await this.client.heartbeat(runtime.id))) {
          this.log.warn('runtime_gone', { runtime_id: runtime.id, provider: runtime.provider });
          gone.push(runtime.id);
        }
      } catch (err) {
        if (!(err instanceof ApiError) && !(err instanceof NetworkError)) {
          throw err;
        }
        this.log.warn('heartbeat_failed', { runtime_id: runtime.id, reason: errorText(err) });
      }
    }
    return gone;
  }

  /** `profiles_changed` when the list differs from the one last registered. */
  private async profilesChanged(): Promise<string | undefined> {
    const profiles = await this.fetchProfiles();
    if (profiles === undefined) {
      return undefined;
    }
    return profileSignature(profiles) === this.lastSignature ? undefined : 'profiles_changed';
  }

  /** Closes the daemon's connections. */
  close(): void {
    this.http.close();
  }

  /** The daemon's state directory. */
  get stateDirectory(): DaemonState {
    return this.state;
  }
}

/** The record stored after a registration: the answered rows and how things resolved here. */
function toRecord(
  opts: DaemonOptions,
  identity: DaemonIdentity,
  detection: Detection,
  response: RegisterResponse,
  excluded: readonly string[],
): RegistrationRecord {
  const resolved = detection.resolutions.filter(
    (r): r is Extract<ProfileResolution, { kind: 'resolved' }> =>
      r.kind === 'resolved' && !excluded.includes(r.profile.id),
  );
  return {
    workspace_id: identity.workspaceId,
    server: opts.server.href,
    daemon_id: identity.daemonId,
    registered_at: new Date().toISOString(),
    runtimes: response.runtimes.map((r) => ({
      id: r.id,
      name: r.name,
      provider: r.provider,
      status: r.status,
      profile_id: r.profile_id,
    })),
    profiles: Object.fromEntries(
      resolved.map((r) => [
        r.profile.id,
        {
          display_name: r.profile.display_name,
          protocol_family: r.profile.protocol_family,
          command_name: r.profile.command_name,
          command_path: r.commandPath,
          fixed_args: r.profile.fixed_args,
          version: r.version,
        },
      ]),
    ),
    built_ins: Object.fromEntries(
      detection.builtIns.map((b) => [
        b.provider,
        { command_path: b.commandPath, version: b.version },
      ]),
    ),
    failed_profiles: detection.resolutions.flatMap((r) =>
      r.kind === 'failed' && !excluded.includes(r.profile.id)
        ? [{ profile_id: r.profile.id, command_name: r.profile.command_name, reason: r.reason }]
        : [],
    ),
  };
}
