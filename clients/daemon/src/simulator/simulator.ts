import { createHash, randomBytes } from 'node:crypto';
import { type DaemonProfileView, PROTOCOL_FAMILIES, REGISTER_LIMITS } from '@cp/contracts';
import { ApiClient, type RegisterRequest } from '../api-client';
import { capitalise, withDevice } from '../detection';
import { HttpClient } from '../http';
import { type DaemonLogger, errorText, silentLogger } from '../log';
import {
  DEFAULT_REGISTRATION_POLICY,
  registerWithRetries,
  type RegistrationPolicy,
} from '../registration';
import { type SimulationSummary, SimulationStats } from './stats';

/** What to simulate. */
export interface SimulationOptions {
  server: URL;
  token: string;
  workspaceId: string;
  /** Simulated daemons, each registering once. */
  daemons: number;
  /** Daemons registering at a time, and sockets open at most. */
  concurrency: number;
  /** Runtimes per daemon, custom ones included. */
  runtimes: number;
  /** Of those, custom runtimes: the workspace's first enabled profiles. */
  customProfiles: number;
  /**
   * Start every daemon at once (a restart storm) instead of `concurrency` at a time. Requests
   * still share `concurrency` sockets; the rest wait in this process.
   */
  storm: boolean;
  /** Derive daemon ids from this seed (same seed, same daemons: a re-registration storm). */
  idSeed?: string;
  policy?: RegistrationPolicy;
  log?: DaemonLogger;
}

/** Why a simulation cannot start (bad sizes, too few profiles): a usage error. */
export class SimulationSetupError extends Error {
  override readonly name = 'SimulationSetupError';
}

/** A UUID derived from `seed` and `index` (v4 layout), stable across runs. */
export function seededDaemonId(seed: string, index: number): string {
  const hex = createHash('sha256').update(`${seed}:${index}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/**
 * The built-in entry types of a simulated daemon: the protocol families in order, then
 * `sim-<n>` (built-in types are not checked against the families, as upstream does not).
 */
export function builtInTypes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => PROTOCOL_FAMILIES[i] ?? `sim-${i}`);
}

/**
 * The register request of simulated daemon `index`: custom entries for `profiles` (no PATH
 * probing: synthetic versions), then built-ins up to `runtimes` entries.
 */
export function simulatedRequest(
  opts: Pick<SimulationOptions, 'workspaceId' | 'runtimes'>,
  daemonId: string,
  index: number,
  profiles: readonly DaemonProfileView[],
): RegisterRequest {
  const device = `sim-${index}`;
  return {
    workspace_id: opts.workspaceId,
    daemon_id: daemonId,
    legacy_daemon_ids: [],
    device_name: device,
    cli_version: 'simulator',
    launched_by: 'simulator',
    runtimes: [
      ...profiles.map((p) => ({
        name: withDevice(p.display_name, device),
        type: p.protocol_family,
        version: '9.9.9',
        status: 'online',
        profile_id: p.id,
      })),
      ...builtInTypes(Math.max(0, opts.runtimes - profiles.length)).map((type, j) => ({
        name: withDevice(capitalise(type), device),
        type,
        version: `1.${index % 10}.${j}`,
        status: 'online',
      })),
    ],
    failed_profiles: [],
  };
}

function validate(opts: SimulationOptions): void {
  const problems = [
    opts.daemons >= 1 ? [] : ['--daemons must be at least 1'],
    opts.concurrency >= 1 ? [] : ['--concurrency must be at least 1'],
    opts.runtimes >= 1 && opts.runtimes <= REGISTER_LIMITS.runtimes
      ? []
      : [`--runtimes must be between 1 and ${REGISTER_LIMITS.runtimes}`],
    opts.customProfiles >= 0 && opts.customProfiles <= opts.runtimes
      ? []
      : ['--custom-profiles must be between 0 and --runtimes'],
  ].flat();
  if (problems.length > 0) {
    throw new SimulationSetupError(problems.join('; '));
  }
}

/**
 * Runs `daemons` simulated daemons against the api, each fetching the profiles and registering
 * its runtimes through the daemon library (so 202s are followed, refusals handled, 429/503
 * retried with backoff), and measures the whole into `stats` (which a caller may watch).
 * @throws SimulationSetupError for bad sizes or a workspace with too few enabled profiles.
 */
export async function simulate(
  opts: SimulationOptions,
  stats: SimulationStats = new SimulationStats(),
): Promise<SimulationSummary> {
  validate(opts);
  const http = new HttpClient(opts.server, { maxSockets: opts.concurrency, timeoutMs: 60_000 });
  const client = new ApiClient(http, opts.token, {
    onResponse: (route, status, ms) => stats.recordResponse(route, status, ms),
    onNetworkError: (route) => stats.recordResponse(route, 'network'),
  });
  const log = opts.log ?? silentLogger;
  try {
    const startList = (await client.listProfiles(opts.workspaceId)).runtime_profiles;
    if (startList.length < opts.customProfiles) {
      throw new SimulationSetupError(
        `the workspace has ${startList.length} enabled profiles; --custom-profiles ${opts.customProfiles} needs that many ` +
          `(create them with POST /api/workspaces/${opts.workspaceId}/runtime-profiles)`,
      );
    }
    const seed = opts.idSeed ?? randomBytes(8).toString('hex');
    const policy = opts.policy ?? { ...DEFAULT_REGISTRATION_POLICY, maxAttempts: 20 };
    // Thousands of daemons: the library's per-daemon lines go out at debug only.
    const quiet: DaemonLogger = {
      ...silentLogger,
      warn: (event, fields) => log.debug(event, fields),
      info: (event, fields) => log.debug(event, fields),
      child: () => quiet,
    };

    const runDaemon = async (index: number): Promise<void> => {
      const daemonId = seededDaemonId(seed, index);
      const started = Date.now();
      try {
        const result = await registerWithRetries(
          {
            client,
            log: quiet,
            policy,
            onAccepted: () => {
              stats.accepted202++;
            },
            onRetry: () => {
              stats.retries++;
            },
          },
          async ({ excluded }) => {
            // Like a daemon, each fetches the list; a failed fetch falls back to the first one.
            let profiles = startList;
            try {
              profiles = (await client.listProfiles(opts.workspaceId)).runtime_profiles;
            } catch (err) {
              log.debug('profiles_unavailable', { reason: errorText(err) });
            }
            const chosen = profiles
              .filter((p) => !excluded.has(p.id))
              .slice(0, opts.customProfiles);
            return simulatedRequest(opts, daemonId, index, chosen);
          },
        );
        stats.recordRegistered(
          result.response.runtimes.length,
          Date.now() - started,
          result.followed,
        );
      } catch (err) {
        stats.recordFailed(errorText(err));
      }
    };

    const started = Date.now();
    if (opts.storm) {
      await Promise.all(Array.from({ length: opts.daemons }, (_, i) => runDaemon(i)));
    } else {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < opts.daemons) {
          await runDaemon(next++);
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.daemons) }, lane));
    }
    return stats.summary(opts.daemons, Date.now() - started);
  } finally {
    http.close();
  }
}
