import { z } from 'zod';
import { PROFILE_VISIBILITIES, type ProfileVisibility } from '../domain';
import { MESSAGES } from '../errors';
import { isProtocolFamily, PROTOCOL_FAMILIES, type ProtocolFamily } from '../protocol-families';
import { charLength, Timestamp } from './common';

/** Limits beyond upstream's rules (ours): long enough for any real use, short enough to bound rows. */
export const PROFILE_LIMITS = {
  displayName: 128,
  commandName: 255,
  description: 2000,
  fixedArgs: 64,
  fixedArg: 1024,
} as const;

/** Sentences of our hardening, in upstream's tone (the NUL ones are upstream HEAD's). */
export const PROFILE_MESSAGES = {
  displayNameTooLong: `display_name must be at most ${PROFILE_LIMITS.displayName} characters`,
  commandNameTooLong: `command_name must be at most ${PROFILE_LIMITS.commandName} characters`,
  commandNameNul: 'command_name cannot contain NUL bytes',
  descriptionTooLong: `description must be at most ${PROFILE_LIMITS.description} characters`,
  tooManyFixedArgs: `fixed_args must have at most ${PROFILE_LIMITS.fixedArgs} entries`,
  fixedArgTooLong: `fixed_args entries must be at most ${PROFILE_LIMITS.fixedArg} characters`,
  fixedArgNul: 'fixed_args entries cannot contain NUL bytes',
} as const;

/** The `status` we add to upstream's profile object: `deleting` while a deletion is pending. */
export const PROFILE_STATUSES = ['active', 'deleting'] as const;

/** A runtime profile on the wire (spec §3.1, plus `status`). */
export const RuntimeProfileJson = z.object({
  id: z.uuid(),
  workspace_id: z.uuid(),
  display_name: z.string(),
  protocol_family: z.enum(PROTOCOL_FAMILIES),
  command_name: z.string(),
  description: z.string().nullable(),
  fixed_args: z.array(z.string()),
  visibility: z.enum(PROFILE_VISIBILITIES),
  created_by: z.uuid().nullable(),
  enabled: z.boolean(),
  status: z.enum(PROFILE_STATUSES),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type RuntimeProfileJson = z.infer<typeof RuntimeProfileJson>;

/** `GET /api/workspaces/{id}/runtime-profiles`. */
export const RuntimeProfileList = z.object({ runtime_profiles: z.array(RuntimeProfileJson) });
export type RuntimeProfileList = z.infer<typeof RuntimeProfileList>;

/** `GET /api/daemon/workspaces/{id}/runtime-profiles`: only enabled profiles. */
export const DaemonRuntimeProfileList = z.object({
  workspace_id: z.string(),
  runtime_profiles: z.array(RuntimeProfileJson),
});
export type DaemonRuntimeProfileList = z.infer<typeof DaemonRuntimeProfileList>;

// Decoding: a wrong JSON type anywhere is upstream's decode failure, `invalid request body`.
// `null` for a string is accepted and means empty/absent, as Go's decoder treats it.
const decodeError = { error: MESSAGES.invalidRequestBody };
const absentIfNull = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
const optionalString = z.string(decodeError).nullish().transform(absentIfNull);
const optionalArgs = z.array(z.string(decodeError), decodeError).nullish().transform(absentIfNull);
const optionalBool = z.boolean(decodeError).nullish().transform(absentIfNull);

const CreateDecoded = z.object(
  {
    display_name: optionalString,
    protocol_family: optionalString,
    command_name: optionalString,
    description: optionalString,
    fixed_args: optionalArgs,
    visibility: optionalString,
    enabled: optionalBool,
  },
  decodeError,
);

const UpdateDecoded = z.object(
  {
    display_name: optionalString,
    command_name: optionalString,
    description: optionalString,
    fixed_args: optionalArgs,
    visibility: optionalString,
    enabled: optionalBool,
  },
  decodeError,
);

type IssueSink = (path: string, message: string) => void;

function checkCommandName(value: string, emptyMessage: string, fail: IssueSink): void {
  if (value === '') {
    fail('command_name', emptyMessage);
  } else if (/\s/.test(value)) {
    fail('command_name', MESSAGES.commandNameSingleToken);
  } else if (value.includes('\0')) {
    fail('command_name', PROFILE_MESSAGES.commandNameNul);
  } else if (charLength(value) > PROFILE_LIMITS.commandName) {
    fail('command_name', PROFILE_MESSAGES.commandNameTooLong);
  }
}

function checkDisplayName(value: string, emptyMessage: string, fail: IssueSink): void {
  if (value === '') {
    fail('display_name', emptyMessage);
  } else if (charLength(value) > PROFILE_LIMITS.displayName) {
    fail('display_name', PROFILE_MESSAGES.displayNameTooLong);
  }
}

function checkDescription(value: string | null | undefined, fail: IssueSink): void {
  if (value && charLength(value) > PROFILE_LIMITS.description) {
    fail('description', PROFILE_MESSAGES.descriptionTooLong);
  }
}

function checkVisibility(value: string, fail: IssueSink): value is ProfileVisibility {
  if ((PROFILE_VISIBILITIES as readonly string[]).includes(value)) {
    return true;
  }
  fail('visibility', MESSAGES.visibilityInvalid);
  return false;
}

/** Upstream's fixed_args rule (entries non-blank after trimming, stored as given), plus ours. */
function checkFixedArgs(args: readonly string[], fail: IssueSink): void {
  if (args.length > PROFILE_LIMITS.fixedArgs) {
    fail('fixed_args', PROFILE_MESSAGES.tooManyFixedArgs);
    return;
  }
  args.forEach((arg, i) => {
    if (arg.trim() === '') {
      fail(`fixed_args.${i}`, MESSAGES.fixedArgsEntryEmpty);
    } else if (arg.includes('\0')) {
      fail(`fixed_args.${i}`, PROFILE_MESSAGES.fixedArgNul);
    } else if (charLength(arg) > PROFILE_LIMITS.fixedArg) {
      fail(`fixed_args.${i}`, PROFILE_MESSAGES.fixedArgTooLong);
    }
  });
}

/** A validated create request, trimmed as upstream trims. */
export interface CreateRuntimeProfileBody {
  display_name: string;
  protocol_family: ProtocolFamily;
  command_name: string;
  description: string | null;
  fixed_args: string[];
  visibility: ProfileVisibility;
  enabled: boolean;
}

/**
 * `POST /api/workspaces/{id}/runtime-profiles` (spec §3.5). Checks run in upstream's order and
 * the first failure is the error sentence; every failure is listed in `details`.
 */
export const CreateRuntimeProfileBody = CreateDecoded.transform(
  (body, ctx): CreateRuntimeProfileBody => {
    const fail: IssueSink = (path, message) =>
      ctx.addIssue({ code: 'custom', path: path.split('.'), message });
    const displayName = (body.display_name ?? '').trim();
    const family = (body.protocol_family ?? '').trim();
    const commandName = (body.command_name ?? '').trim();
    const visibility = (body.visibility ?? '').trim() || 'workspace';
    const fixedArgs = body.fixed_args ?? [];

    checkDisplayName(displayName, MESSAGES.displayNameRequired, fail);
    if (!isProtocolFamily(family)) {
      fail('protocol_family', MESSAGES.unsupportedProtocolFamily);
    }
    checkCommandName(commandName, MESSAGES.commandNameRequired, fail);
    checkVisibility(visibility, fail);
    checkFixedArgs(fixedArgs, fail);
    checkDescription(body.description, fail);

    return {
      display_name: displayName,
      protocol_family: family as ProtocolFamily,
      command_name: commandName,
      description: body.description ?? null,
      fixed_args: fixedArgs,
      visibility: visibility as ProfileVisibility,
      enabled: body.enabled ?? true,
    };
  },
);

/** A validated partial update: absent (or null) fields stay unchanged. */
export interface UpdateRuntimeProfileBody {
  display_name?: string;
  command_name?: string;
  description?: string;
  fixed_args?: string[];
  visibility?: ProfileVisibility;
  enabled?: boolean;
}

/**
 * `PATCH`/`PUT /api/workspaces/{id}/runtime-profiles/{profileId}` (spec §3.6): every field
 * optional, `null` means unchanged, `protocol_family` and unknown keys are ignored.
 */
export const UpdateRuntimeProfileBody = UpdateDecoded.transform(
  (body, ctx): UpdateRuntimeProfileBody => {
    const fail: IssueSink = (path, message) =>
      ctx.addIssue({ code: 'custom', path: path.split('.'), message });
    const patch: UpdateRuntimeProfileBody = {};
    if (body.display_name !== undefined) {
      patch.display_name = body.display_name.trim();
      checkDisplayName(patch.display_name, MESSAGES.displayNameEmpty, fail);
    }
    if (body.command_name !== undefined) {
      patch.command_name = body.command_name.trim();
      checkCommandName(patch.command_name, MESSAGES.commandNameEmpty, fail);
    }
    if (body.description !== undefined) {
      patch.description = body.description;
      checkDescription(body.description, fail);
    }
    if (body.fixed_args !== undefined) {
      patch.fixed_args = body.fixed_args;
      checkFixedArgs(body.fixed_args, fail);
    }
    if (body.visibility !== undefined) {
      const visibility = body.visibility.trim();
      if (checkVisibility(visibility, fail)) {
        patch.visibility = visibility;
      }
    }
    if (body.enabled !== undefined) {
      patch.enabled = body.enabled;
    }
    return patch;
  },
);
