import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** Every event type on the stream. Consumers switch on it; never rename one. */
export const EVENT_TYPES = [
  'runtime_profile.created',
  'runtime_profile.updated',
  'runtime_profile.deleted',
  'runtime_profile.delete_refused',
  'runtime.registered',
  'runtime.deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Who caused a change: a member, a daemon token, or the system (a worker on its own). */
export const EventActor = z.object({
  type: z.enum(['member', 'daemon', 'system']),
  id: z.string().nullable(),
});
export type EventActor = z.infer<typeof EventActor>;

/**
 * A committed change, as published on the workspace event stream. `id` is stable: a consumer
 * that sees an id twice drops the repeat (delivery is at least once).
 */
export const DomainEvent = z.object({
  id: z.uuid(),
  type: z.enum(EVENT_TYPES),
  workspace_id: z.uuid(),
  actor: EventActor,
  data: z.record(z.string(), z.unknown()),
  occurred_at: z.string(),
});
export type DomainEvent = z.infer<typeof DomainEvent>;

/** A new event with a fresh stable id, stamped now. */
export function buildEvent(
  type: EventType,
  workspaceId: string,
  actor: EventActor,
  data: Record<string, unknown>,
): DomainEvent {
  return {
    id: randomUUID(),
    type,
    workspace_id: workspaceId,
    actor,
    data,
    occurred_at: new Date().toISOString(),
  };
}
