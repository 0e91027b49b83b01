import { z } from 'zod';
import { MESSAGES } from '../errors';
import { AgentRuntimeJson } from './runtimes';
import { charLength, isUuid } from './common';

/**
 * Limits of a register request (ours): a daemon offers a few dozen runtimes at most, and reports
 * at most as many failed profiles. A failure reason is free text (an OS error, a path), so it
 * gets more room than the other strings; daemons clip theirs to it.
 */
export const REGISTER_LIMITS = {
  runtimes: 64,
  failedProfiles: 64,
  legacyDaemonIds: 32,
  string: 255,
  reason: 1024,
} as const;

export const REGISTER_MESSAGES = {
  tooManyRuntimes: `at most ${REGISTER_LIMITS.runtimes} runtimes per registration`,
  tooManyFailedProfiles: `at most ${REGISTER_LIMITS.failedProfiles} failed_profiles per registration`,
  tooManyLegacyIds: `at most ${REGISTER_LIMITS.legacyDaemonIds} legacy_daemon_ids per registration`,
  stringTooLong: (field: string) => `${field} must be at most ${REGISTER_LIMITS.string} characters`,
  reasonTooLong: `failed_profiles[].reason must be at most ${REGISTER_LIMITS.reason} characters`,
} as const;

const decodeError = { error: MESSAGES.invalidRequestBody };
const text = z
  .string(decodeError)
  .nullish()
  .transform((v) => v ?? '');

const RegisterRuntimeDecoded = z.object(
  { name: text, type: text, version: text, status: text, profile_id: text },
  decodeError,
);

const FailedProfileDecoded = z.object(
  { profile_id: text, command_name: text, reason: text },
  decodeError,
);

const RegisterDecoded = z.object(
  {
    workspace_id: text,
    daemon_id: text,
    legacy_daemon_ids: z.array(z.string(decodeError), decodeError).nullish(),
    device_name: text,
    cli_version: text,
    launched_by: text,
    runtimes: z.array(RegisterRuntimeDecoded, decodeError).nullish(),
    failed_profiles: z.array(FailedProfileDecoded, decodeError).nullish(),
  },
  decodeError,
);

/** One validated runtime entry; `profile_id` null marks a built-in entry. */
export interface RegisterRuntimeEntry {
  name: string;
  type: string;
  version: string;
  status: string;
  profile_id: string | null;
}

/**
 * A profile the daemon could not run (spec §8.5, upstream HEAD): recorded as an offline row of
 * that profile, with the reason in its metadata. `command_name` empty means the profile's own.
 */
export interface FailedProfileEntry {
  profile_id: string;
  command_name: string;
  reason: string;
}

/** A validated register request: trimmed as upstream trims, workspace id lower-cased. */
export interface RegisterRequestBody {
  workspace_id: string;
  daemon_id: string;
  legacy_daemon_ids: string[];
  device_name: string;
  cli_version: string;
  launched_by: string;
  runtimes: RegisterRuntimeEntry[];
  failed_profiles: FailedProfileEntry[];
}

/**
 * `POST /api/daemon/register` (spec §3.9, §4.1 steps 1–5, §4.4 step 1), checked in upstream's
 * order, plus our limits, and upstream HEAD's `failed_profiles` (§8.5): a request is valid with
 * no runtimes when it reports a failed profile. Authorisation (step 6) is the route's.
 */
export const RegisterRequestBody = RegisterDecoded.transform((body, ctx): RegisterRequestBody => {
  const fail = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: path.split('.'), message });
  const workspaceId = body.workspace_id.trim();
  const daemonId = body.daemon_id.trim();
  const runtimes = body.runtimes ?? [];
  const legacy = body.legacy_daemon_ids ?? [];
  // Upstream skips a failed entry without a profile id. We also leave it out of the
  // "at least one" count, so a request made only of such entries is refused, not a no-op.
  const failedRaw = body.failed_profiles ?? [];
  const failed = failedRaw.flatMap((entry, i) =>
    entry.profile_id.trim() === '' ? [] : [{ entry, i }],
  );

  if (daemonId === '') {
    fail('daemon_id', MESSAGES.daemonIdRequired);
  }
  if (workspaceId === '') {
    fail('workspace_id', MESSAGES.workspaceIdRequired);
  }
  if (runtimes.length === 0 && failed.length === 0) {
    fail('runtimes', MESSAGES.runtimesRequired);
  }
  if (workspaceId !== '' && !isUuid(workspaceId)) {
    fail('workspace_id', MESSAGES.invalidWorkspaceId);
  }
  if (runtimes.length > REGISTER_LIMITS.runtimes) {
    fail('runtimes', REGISTER_MESSAGES.tooManyRuntimes);
  }
  if (failedRaw.length > REGISTER_LIMITS.failedProfiles) {
    fail('failed_profiles', REGISTER_MESSAGES.tooManyFailedProfiles);
  }
  if (legacy.length > REGISTER_LIMITS.legacyDaemonIds) {
    fail('legacy_daemon_ids', REGISTER_MESSAGES.tooManyLegacyIds);
  }
  const long = (path: string, value: string) => {
    if (charLength(value) > REGISTER_LIMITS.string) {
      fail(path, REGISTER_MESSAGES.stringTooLong(path.replace(/\.\d+/g, '[]')));
    }
  };
  long('daemon_id', daemonId);
  long('device_name', body.device_name);
  long('cli_version', body.cli_version);
  long('launched_by', body.launched_by);
  legacy.forEach((id, i) => long(`legacy_daemon_ids.${i}`, id));

  const entries = runtimes.map((entry, i): RegisterRuntimeEntry => {
    const profileId = entry.profile_id.trim();
    if (profileId !== '' && !isUuid(profileId)) {
      fail(`runtimes.${i}.profile_id`, MESSAGES.invalidProfileIdField);
    }
    for (const field of ['name', 'type', 'version', 'status'] as const) {
      long(`runtimes.${i}.${field}`, entry[field]);
    }
    return {
      name: entry.name,
      type: entry.type,
      version: entry.version,
      status: entry.status,
      profile_id: profileId === '' ? null : profileId.toLowerCase(),
    };
  });

  const failedProfiles = failed.map(({ entry, i }): FailedProfileEntry => {
    const profileId = entry.profile_id.trim();
    if (!isUuid(profileId)) {
      fail(`failed_profiles.${i}.profile_id`, MESSAGES.invalidProfileIdField);
    }
    const commandName = entry.command_name.trim();
    long(`failed_profiles.${i}.command_name`, commandName);
    const reason = entry.reason.trim();
    if (charLength(reason) > REGISTER_LIMITS.reason) {
      fail(`failed_profiles.${i}.reason`, REGISTER_MESSAGES.reasonTooLong);
    }
    return {
      profile_id: profileId.toLowerCase(),
      command_name: commandName,
      reason: reason === '' ? MESSAGES.profileCommandUnresolved : reason,
    };
  });

  return {
    workspace_id: workspaceId.toLowerCase(),
    daemon_id: daemonId,
    legacy_daemon_ids: legacy,
    device_name: body.device_name.trim(),
    cli_version: body.cli_version,
    launched_by: body.launched_by,
    runtimes: entries,
    failed_profiles: failedProfiles,
  };
});

/** A workspace repository as the register response lists it. */
export const RepoJson = z.object({ url: z.string(), description: z.string() });

/** `POST /api/daemon/register` 200 (spec §3.9): runtimes in request order. */
export const RegisterResponse = z.object({
  runtimes: z.array(AgentRuntimeJson),
  repos: z.array(RepoJson),
  repos_version: z.string(),
  settings: z.unknown(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;
