import { z } from 'zod';

/**
 * `profile.delete`: delete a marked profile and its instances. `deletionRequestedAt` is the mark
 * the api set (ISO, millisecond precision); a job whose mark is no longer the profile's is stale
 * and does nothing.
 */
export const ProfileDeletePayload = z.object({
  workspaceId: z.uuid(),
  profileId: z.uuid(),
  deletionRequestedAt: z.iso.datetime(),
  actorId: z.uuid().nullable(),
  requestId: z.string().optional(),
});
export type ProfileDeletePayload = z.infer<typeof ProfileDeletePayload>;

/** `runtime.delete`: delete one runtime row and its archived dependents. */
export const RuntimeDeletePayload = z.object({
  workspaceId: z.uuid(),
  runtimeId: z.uuid(),
  actorId: z.uuid().nullable(),
  requestId: z.string().optional(),
});
export type RuntimeDeletePayload = z.infer<typeof RuntimeDeletePayload>;

/** The result of a successful deletion (the operation's `result`). */
export const DeletionResult = z.object({
  deleted: z.boolean(),
  autopilots_paused: z.number().int(),
  squads_deleted: z.number().int(),
  agents_deleted: z.number().int(),
  runtimes_deleted: z.number().int(),
});
export type DeletionResult = z.infer<typeof DeletionResult>;

/** `profile.sweep-deletions`: no payload; it finds stale deletion marks itself. */
export const SweepDeletionsPayload = z.object({});
export type SweepDeletionsPayload = z.infer<typeof SweepDeletionsPayload>;
