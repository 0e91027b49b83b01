import { z } from 'zod';
import { MESSAGES } from '../errors';
import { isUuid } from './common';

const decodeError = { error: MESSAGES.invalidRequestBody };

/** A validated heartbeat: the runtime id, lower-cased. */
export interface HeartbeatRequestBody {
  runtime_id: string;
}

/**
 * `POST /api/daemon/heartbeat` (upstream's `DaemonHeartbeatRequest`): `{"runtime_id": "uuid"}`.
 * Upstream's checks in its order: a decode failure, an empty id (`runtime_id is required`), a
 * malformed one (`invalid runtime_id`). Upstream's other field, `supports_batch_import`, and
 * unknown keys are accepted and ignored.
 */
export const HeartbeatRequestBody = z
  .object(
    {
      runtime_id: z
        .string(decodeError)
        .nullish()
        .transform((v) => v ?? ''),
      supports_batch_import: z.boolean(decodeError).nullish(),
    },
    decodeError,
  )
  .transform((body, ctx): HeartbeatRequestBody => {
    const fail = (message: string) =>
      ctx.addIssue({ code: 'custom', path: ['runtime_id'], message });
    // Not trimmed: upstream compares the raw value with "" and then parses it.
    if (body.runtime_id === '') {
      fail(MESSAGES.runtimeIdRequired);
    } else if (!isUuid(body.runtime_id)) {
      fail(MESSAGES.invalidRuntimeId);
    }
    return { runtime_id: body.runtime_id.toLowerCase() };
  });

/**
 * A heartbeat's 200 answer. Upstream sends `{"status": "ok"}` plus pending actions we do not
 * have (updates, model lists); extra keys are kept so a client reading upstream's answer parses.
 */
export const HeartbeatResponse = z.looseObject({ status: z.string() });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/**
 * One profile as a daemon reads the daemon list (spec §6.1): only the fields it uses, extra
 * fields ignored, so an upstream server's list parses too. The family is any string: a daemon
 * reports a family it cannot drive as a failed profile instead of rejecting the whole list.
 */
export const DaemonProfileView = z.object({
  id: z.string(),
  display_name: z.string(),
  protocol_family: z.string(),
  command_name: z.string(),
  fixed_args: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  enabled: z.boolean().optional(),
});
export type DaemonProfileView = z.infer<typeof DaemonProfileView>;

/** `GET /api/daemon/workspaces/{id}/runtime-profiles` as a daemon reads it. */
export const DaemonProfileViewList = z.object({
  workspace_id: z.string(),
  runtime_profiles: z
    .array(DaemonProfileView)
    .nullish()
    .transform((v) => v ?? []),
});
export type DaemonProfileViewList = z.infer<typeof DaemonProfileViewList>;
