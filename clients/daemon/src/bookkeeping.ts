import { z } from 'zod';
import { launchArgv } from './argv';

/**
 * What a daemon remembers of its last registration in a workspace, in its state directory
 * (`registrations.json`): the rows the server answered and how each profile and built-in CLI
 * resolved on this host. It is how `resolve <runtime_id>` knows runtime → profile → command
 * after the `run` that registered has exited (upstream keeps the same maps in memory).
 */
export const RegistrationRecord = z.object({
  workspace_id: z.string(),
  server: z.string(),
  daemon_id: z.string(),
  registered_at: z.string(),
  runtimes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      provider: z.string(),
      status: z.string(),
      profile_id: z.string().nullable(),
    }),
  ),
  /** Profiles resolved on this host, by profile id. */
  profiles: z.record(
    z.string(),
    z.object({
      display_name: z.string(),
      protocol_family: z.string(),
      command_name: z.string(),
      command_path: z.string(),
      fixed_args: z.array(z.string()),
      version: z.string(),
    }),
  ),
  /** Built-in CLIs found on this host, by provider. */
  built_ins: z.record(z.string(), z.object({ command_path: z.string(), version: z.string() })),
  failed_profiles: z.array(
    z.object({ profile_id: z.string(), command_name: z.string(), reason: z.string() }),
  ),
});
export type RegistrationRecord = z.infer<typeof RegistrationRecord>;

/** How a runtime launches on this host. */
export interface RuntimeLaunch {
  runtimeId: string;
  provider: string;
  /** `profile`: the profile's resolved command; `built-in`: the family's built-in CLI. */
  source: 'profile' | 'built-in';
  profileId: string | null;
  commandPath: string;
  fixedArgs: string[];
}

/** Why a runtime cannot be launched here. */
export class ResolveError extends Error {
  override readonly name = 'ResolveError';
}

/**
 * The custom command of a runtime (upstream's `customCommandPathForRuntime`): only when the
 * runtime is known, is a profile instance, and that profile resolved on this host. A built-in
 * runtime, an unknown one, or one whose profile never resolved here has none.
 */
export function customLaunchForRuntime(
  record: RegistrationRecord,
  runtimeId: string,
): RuntimeLaunch | undefined {
  const runtime = record.runtimes.find((r) => r.id === runtimeId);
  if (!runtime?.profile_id) {
    return undefined;
  }
  const profile = record.profiles[runtime.profile_id];
  if (!profile || profile.command_path === '') {
    return undefined;
  }
  return {
    runtimeId,
    provider: runtime.provider,
    source: 'profile',
    profileId: runtime.profile_id,
    commandPath: profile.command_path,
    fixedArgs: profile.fixed_args,
  };
}

/**
 * How a runtime launches (spec §6.5): its profile's command when it has one here; otherwise
 * the built-in CLI of its family, as upstream falls through (a profile instance whose command
 * was never recorded runs the stock CLI); otherwise upstream's `no agent configured` error.
 * @throws ResolveError for an unknown runtime or a family with nothing to run.
 */
export function launchForRuntime(
  records: readonly RegistrationRecord[],
  runtimeId: string,
): RuntimeLaunch {
  const id = runtimeId.toLowerCase();
  const record = records.find((r) => r.runtimes.some((runtime) => runtime.id === id));
  const runtime = record?.runtimes.find((r) => r.id === id);
  if (!record || !runtime) {
    throw new ResolveError(
      `unknown runtime: ${runtimeId} (not in this daemon's last registration)`,
    );
  }
  const custom = customLaunchForRuntime(record, id);
  if (custom) {
    return custom;
  }
  const builtIn = record.built_ins[runtime.provider];
  if (!builtIn) {
    throw new ResolveError(`no agent configured for provider "${runtime.provider}"`);
  }
  return {
    runtimeId: id,
    provider: runtime.provider,
    source: 'built-in',
    profileId: runtime.profile_id,
    commandPath: builtIn.command_path,
    fixedArgs: [],
  };
}

/** The exact argv a runtime would launch with these agent arguments. */
export function argvForRuntime(
  records: readonly RegistrationRecord[],
  runtimeId: string,
  agentArgs: readonly string[] = [],
): string[] {
  const launch = launchForRuntime(records, runtimeId);
  return launchArgv(launch.commandPath, launch.fixedArgs, agentArgs);
}
