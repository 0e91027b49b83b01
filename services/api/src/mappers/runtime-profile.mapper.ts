import {
  type CreateRuntimeProfileBody,
  type RuntimeProfileJson,
  toTimestamp,
  type UpdateRuntimeProfileBody,
} from '@cp/contracts';
import type { NewRuntimeProfile, RuntimeProfile, RuntimeProfilePatch } from '@cp/db';

/** Stored `fixed_args` that are not an array of strings read as `[]`, as upstream's decoder does. */
function fixedArgsOf(value: unknown): string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : [];
}

/** The wire form of a profile (spec §3.1, plus `status`). */
export function toRuntimeProfileJson(profile: RuntimeProfile): RuntimeProfileJson {
  return {
    id: profile.id,
    workspace_id: profile.workspaceId,
    display_name: profile.displayName,
    protocol_family: profile.protocolFamily,
    command_name: profile.commandName,
    description: profile.description,
    fixed_args: fixedArgsOf(profile.fixedArgs),
    visibility: profile.visibility,
    created_by: profile.createdBy,
    enabled: profile.enabled,
    status: profile.deletionRequestedAt ? 'deleting' : 'active',
    created_at: toTimestamp(profile.createdAt),
    updated_at: toTimestamp(profile.updatedAt),
  };
}

/** A validated create body as repository input. */
export function fromCreateProfileBody(
  workspaceId: string,
  createdBy: string,
  body: CreateRuntimeProfileBody,
): NewRuntimeProfile {
  return {
    workspaceId,
    createdBy,
    displayName: body.display_name,
    protocolFamily: body.protocol_family,
    commandName: body.command_name,
    description: body.description,
    fixedArgs: body.fixed_args,
    visibility: body.visibility,
    enabled: body.enabled,
  };
}

/** A validated update body as a repository patch (absent fields stay absent). */
export function fromUpdateProfileBody(body: UpdateRuntimeProfileBody): RuntimeProfilePatch {
  const patch: RuntimeProfilePatch = {};
  if (body.display_name !== undefined) {
    patch.displayName = body.display_name;
  }
  if (body.command_name !== undefined) {
    patch.commandName = body.command_name;
  }
  if (body.description !== undefined) {
    patch.description = body.description;
  }
  if (body.fixed_args !== undefined) {
    patch.fixedArgs = body.fixed_args;
  }
  if (body.visibility !== undefined) {
    patch.visibility = body.visibility;
  }
  if (body.enabled !== undefined) {
    patch.enabled = body.enabled;
  }
  return patch;
}
