import { z } from 'zod';

/** One runtime entry of a registration, validated by the api. */
export const RegisterEntryPayload = z.object({
  name: z.string(),
  type: z.string(),
  version: z.string(),
  status: z.string(),
  profileId: z.uuid().nullable(),
});
export type RegisterEntryPayload = z.infer<typeof RegisterEntryPayload>;

/**
 * `runtime.register`: the validated request plus the authenticated owner (a member PAT's user;
 * null for a daemon token, which keeps any existing owner). Additive changes only.
 */
export const RuntimeRegisterPayload = z.object({
  workspaceId: z.uuid(),
  daemonId: z.string().min(1),
  legacyDaemonIds: z.array(z.string()),
  deviceName: z.string(),
  cliVersion: z.string(),
  launchedBy: z.string(),
  runtimes: z.array(RegisterEntryPayload).min(1),
  ownerId: z.uuid().nullable(),
  /** The api request that enqueued it, so one id follows a request into the worker's logs. */
  requestId: z.string().optional(),
});
export type RuntimeRegisterPayload = z.infer<typeof RuntimeRegisterPayload>;
