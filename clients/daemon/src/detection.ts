import { createHash } from 'node:crypto';
import {
  type DaemonProfileView,
  isProtocolFamily,
  PROTOCOL_FAMILIES,
  type ProtocolFamily,
  REGISTER_LIMITS,
} from '@cp/contracts';
import type { RegisterRequest } from './api-client';
import { versionProbeArgv } from './argv';
import type { DaemonLogger } from './log';
import type { VersionProbe } from './probe';

/** The executable each protocol family's built-in CLI goes by (upstream's daemon config). */
export const BUILT_IN_COMMANDS: Record<ProtocolFamily, string> = {
  claude: 'claude',
  codebuddy: 'codebuddy',
  codex: 'codex',
  copilot: 'copilot',
  opencode: 'opencode',
  openclaw: 'openclaw',
  hermes: 'hermes',
  gemini: 'gemini',
  pi: 'pi',
  cursor: 'cursor-agent',
  kimi: 'kimi',
  kiro: 'kiro-cli',
  antigravity: 'agy',
};

/** How the daemon finds and probes commands (the real ones, or a test's). */
export interface CommandTools {
  /** `which`: the absolute path of an executable, or undefined. */
  lookPath(name: string): Promise<string | undefined>;
  probe: VersionProbe;
}

/** A built-in CLI found on this host, with the version it reported. */
export interface DetectedBuiltIn {
  provider: ProtocolFamily;
  commandName: string;
  commandPath: string;
  version: string;
}

/** What became of one profile on this host. */
export type ProfileResolution =
  | { kind: 'resolved'; profile: DaemonProfileView; commandPath: string; version: string }
  /** Reported to the server as a failed profile (spec §8.5). */
  | { kind: 'failed'; profile: DaemonProfileView; reason: string }
  /** Not registrable and not reportable (no command or family): logged only. */
  | { kind: 'skipped'; profile: DaemonProfileView; reason: string };

/** Who registers: the fields of a register request that are not runtimes. */
export interface DaemonIdentity {
  workspaceId: string;
  daemonId: string;
  legacyDaemonIds: string[];
  deviceName: string;
  cliVersion: string;
  launchedBy: string;
}

/** Upstream HEAD's reasons, so a UI shows the same words for both daemons. */
export const FAILURE_REASONS = {
  notOnPath: (command: string) => `command not found on PATH: ${command}`,
  unsupportedFamily: (family: string) => `unsupported protocol_family: ${family}`,
} as const;

/**
 * Finds the built-in CLIs: each family's command on PATH, probed with `--version`. A CLI whose
 * probe fails (no semver, non-zero exit, timeout) is skipped, as upstream skips it.
 */
export async function detectBuiltIns(
  tools: CommandTools,
  log: DaemonLogger,
): Promise<DetectedBuiltIn[]> {
  const found = await Promise.all(
    PROTOCOL_FAMILIES.map(async (provider): Promise<DetectedBuiltIn | undefined> => {
      const commandName = BUILT_IN_COMMANDS[provider];
      const commandPath = await tools.lookPath(commandName);
      if (commandPath === undefined) {
        return undefined;
      }
      const version = await tools.probe(versionProbeArgv(commandPath));
      if (version === undefined) {
        log.info('builtin_skipped', {
          provider,
          command: commandPath,
          reason: 'version probe failed',
        });
        return undefined;
      }
      log.debug('builtin_found', { provider, command: commandPath, version });
      return { provider, commandName, commandPath, version };
    }),
  );
  return found.filter((b): b is DetectedBuiltIn => b !== undefined);
}

/**
 * Resolves each profile's `command_name` on this host (spec §6.3, with HEAD's failure
 * reports): an unsupported family or a command not on PATH is a failed profile; a profile
 * without command or family is skipped. The version is probed through the `fixed_args` prefix,
 * best effort: a failed probe registers with an empty version.
 */
export async function resolveProfiles(
  profiles: readonly DaemonProfileView[],
  tools: CommandTools,
  log: DaemonLogger,
): Promise<ProfileResolution[]> {
  return Promise.all(
    profiles.map(async (profile): Promise<ProfileResolution> => {
      const fields = { profile_id: profile.id, command_name: profile.command_name };
      if (profile.command_name.trim() === '' || profile.protocol_family.trim() === '') {
        const reason = 'missing command_name or protocol_family';
        log.warn('profile_skipped', { ...fields, reason });
        return { kind: 'skipped', profile, reason };
      }
      if (!isProtocolFamily(profile.protocol_family)) {
        const reason = FAILURE_REASONS.unsupportedFamily(profile.protocol_family);
        log.warn('profile_failed', { ...fields, reason });
        return { kind: 'failed', profile, reason };
      }
      const commandPath = await tools.lookPath(profile.command_name);
      if (commandPath === undefined) {
        const reason = FAILURE_REASONS.notOnPath(profile.command_name);
        log.info('profile_failed', { ...fields, reason });
        return { kind: 'failed', profile, reason };
      }
      const version = (await tools.probe(versionProbeArgv(commandPath, profile.fixed_args))) ?? '';
      log.debug('profile_resolved', { ...fields, command: commandPath, version });
      return { kind: 'resolved', profile, commandPath, version };
    }),
  );
}

/** A runtime's display name: `base`, with ` (<device>)` when a device name is set. */
export function withDevice(base: string, deviceName: string): string {
  return deviceName === '' ? base : `${base} (${deviceName})`;
}

/** `codex` → `Codex`: how upstream names a built-in runtime. */
export const capitalise = (word: string): string =>
  word === '' ? word : `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`;

/** Shortens to the wire's limit, counting characters as the api does. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max).join('');
}

/**
 * The register request for what was found: built-ins first, then resolved profiles (spec
 * §6.3), then failed profiles; profiles in `excluded` (refused by the server) left out.
 */
export function buildRegisterRequest(
  identity: DaemonIdentity,
  builtIns: readonly DetectedBuiltIn[],
  resolutions: readonly ProfileResolution[],
  excluded: ReadonlySet<string> = new Set(),
): RegisterRequest {
  const kept = resolutions.filter((r) => !excluded.has(r.profile.id));
  return {
    workspace_id: identity.workspaceId,
    daemon_id: identity.daemonId,
    legacy_daemon_ids: identity.legacyDaemonIds,
    device_name: identity.deviceName,
    cli_version: identity.cliVersion,
    launched_by: identity.launchedBy,
    runtimes: [
      ...builtIns.map((b) => ({
        name: clip(withDevice(capitalise(b.provider), identity.deviceName), REGISTER_LIMITS.string),
        type: b.provider,
        version: b.version,
        status: 'online',
      })),
      ...kept.flatMap((r) =>
        r.kind === 'resolved'
          ? [
              {
                name: clip(
                  withDevice(r.profile.display_name, identity.deviceName),
                  REGISTER_LIMITS.string,
                ),
                type: r.profile.protocol_family,
                version: r.version,
                status: 'online',
                profile_id: r.profile.id,
              },
            ]
          : [],
      ),
    ],
    failed_profiles: kept.flatMap((r) =>
      r.kind === 'failed'
        ? [
            {
              profile_id: r.profile.id,
              command_name: clip(r.profile.command_name, REGISTER_LIMITS.string),
              reason: clip(r.reason, REGISTER_LIMITS.reason),
            },
          ]
        : [],
    ),
  };
}

/** Whether a request has nothing to register and nothing to report. */
export const isEmptyRequest = (request: RegisterRequest): boolean =>
  (request.runtimes ?? []).length === 0 && (request.failed_profiles ?? []).length === 0;

/**
 * A digest of what in the profile list changes a registration (ids, families, commands,
 * fixed args, enabled), independent of order: when it changes, a running daemon re-registers.
 */
export function profileSignature(profiles: readonly DaemonProfileView[]): string {
  const projection = [...profiles]
    .map((p) => [p.id, p.protocol_family, p.command_name, p.fixed_args, p.enabled ?? true])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return createHash('sha256').update(JSON.stringify(projection)).digest('hex');
}
