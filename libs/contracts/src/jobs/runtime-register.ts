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

/** A profile the daemon could not run, to record as an offline row with the reason. */
export const FailedProfilePayload = z.object({
  profileId: z.uuid(),
  /** What the daemon tried to run; empty means the profile's own `command_name`. */
  commandName: z.string(),
  reason: z.string(),
});
export type FailedProfilePayload = z.infer<typeof FailedProfilePayload>;

/**
 * `runtime.register`: the validated request plus the authenticated owner (a member PAT's user;
 * null for a daemon token, which keeps any existing owner). Additive changes only: jobs queued
 * before `failedProfiles` existed still parse. At least one runtime or failed profile.
 */
export const RuntimeRegisterPayload = z
  .object({
    workspaceId: z.uuid(),
    daemonId: z.string().min(1),
    legacyDaemonIds: z.array(z.string()),
    deviceName: z.string(),
    cliVersion: z.string(),
    launchedBy: z.string(),
    runtimes: z.array(RegisterEntryPayload),
    failedProfiles: z.array(FailedProfilePayload).optional(),
    ownerId: z.uuid().nullable(),
    /** The api request that enqueued it, so one id follows a request into the worker's logs. */
    requestId: z.string().optional(),
  })
  .refine((p) => p.runtimes.length + (p.failedProfiles?.length ?? 0) > 0, {
    message: 'a registration needs at least one runtime or failed profile',
    path: ['runtimes'],
  });
export type RuntimeRegisterPayload = z.infer<typeof RuntimeRegisterPayload>;
