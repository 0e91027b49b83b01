import { z } from 'zod';
import { MESSAGES } from '../errors';
import { AgentRuntimeJson } from './runtimes';
import { charLength, isUuid } from './common';

/** Limits of a register request (ours): a daemon offers a few dozen runtimes at most. */
export const REGISTER_LIMITS = { runtimes: 64, legacyDaemonIds: 32, string: 255 } as const;

export const REGISTER_MESSAGES = {
  tooManyRuntimes: `at most ${REGISTER_LIMITS.runtimes} runtimes per registration`,
  tooManyLegacyIds: `at most ${REGISTER_LIMITS.legacyDaemonIds} legacy_daemon_ids per registration`,
  stringTooLong: (field: string) => `${field} must be at most ${REGISTER_LIMITS.string} characters`,
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

const RegisterDecoded = z.object(
  {
    workspace_id: text,
    daemon_id: text,
    legacy_daemon_ids: z.array(z.string(decodeError), decodeError).nullish(),
    device_name: text,
    cli_version: text,
    launched_by: text,
    runtimes: z.array(RegisterRuntimeDecoded, decodeError).nullish(),
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

/** A validated register request: trimmed as upstream trims, workspace id lower-cased. */
export interface RegisterRequestBody {
  workspace_id: string;
  daemon_id: string;
  legacy_daemon_ids: string[];
  device_name: string;
  cli_version: string;
  launched_by: string;
  runtimes: RegisterRuntimeEntry[];
}

/**
 * `POST /api/daemon/register` (spec §3.9, §4.1 steps 1–5, §4.4 step 1), checked in upstream's
 * order, plus our limits. Authorisation (step 6) is the route's.
 */
export const RegisterRequestBody = RegisterDecoded.transform((body, ctx): RegisterRequestBody => {
  const fail = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: path.split('.'), message });
  const workspaceId = body.workspace_id.trim();
  const daemonId = body.daemon_id.trim();
  const runtimes = body.runtimes ?? [];
  const legacy = body.legacy_daemon_ids ?? [];

  if (daemonId === '') {
    fail('daemon_id', MESSAGES.daemonIdRequired);
  }
  if (workspaceId === '') {
    fail('workspace_id', MESSAGES.workspaceIdRequired);
  }
  if (runtimes.length === 0) {
    fail('runtimes', MESSAGES.runtimesRequired);
  }
  if (workspaceId !== '' && !isUuid(workspaceId)) {
    fail('workspace_id', MESSAGES.invalidWorkspaceId);
  }
  if (runtimes.length > REGISTER_LIMITS.runtimes) {
    fail('runtimes', REGISTER_MESSAGES.tooManyRuntimes);
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

  return {
    workspace_id: workspaceId.toLowerCase(),
    daemon_id: daemonId,
    legacy_daemon_ids: legacy,
    device_name: body.device_name.trim(),
    cli_version: body.cli_version,
    launched_by: body.launched_by,
    runtimes: entries,
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
