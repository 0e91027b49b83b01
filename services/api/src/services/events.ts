import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventActor, EventType } from '@cp/contracts';
import type { Logger } from '@cp/platform';
import type { EventStream } from '@cp/queue';

/** Where services report committed changes. */
export interface EventSink {
  /** Publishes after commit; a failure is logged, never thrown (the change already stands). */
  emit(
    type: EventType,
    workspaceId: string,
    actor: EventActor,
    data: Record<string, unknown>,
  ): Promise<void>;
}

/** An {@link EventSink} on the Redis event stream. */
export function streamEventSink(stream: EventStream, log: Logger): EventSink {
  return {
    emit: async (type, workspaceId, actor, data) => {
      const event: DomainEvent = {
        id: randomUUID(),
        type,
        workspace_id: workspaceId,
        actor,
        data,
        occurred_at: new Date().toISOString(),
      };
      try {
        await stream.publish(event);
      } catch (err) {
        log.warn({ err, eventType: type, eventId: event.id }, 'could not publish event');
      }
    },
  };
}
