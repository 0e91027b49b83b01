import { randomUUID } from 'node:crypto';
import { DomainEvent, type EventActor, type EventType } from '@cp/contracts';
import type { Logger } from '@cp/platform';
import type { Redis } from 'ioredis';

/** Approximate cap of the event stream: old entries are trimmed as new ones arrive. */
export const EVENT_STREAM_MAX_LEN = 100_000;

/** The Redis key of the event stream under a queue prefix (same hash tag, same slot). */
export const eventStreamKey = (prefix: string): string => `${prefix}:events`;

/** Publishes committed changes to the capped Redis event stream. */
export class EventStream {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Appends one event (validated against its schema); resolves to its stream entry id. */
  async publish(event: DomainEvent): Promise<string> {
    const parsed = DomainEvent.parse(event);
    const entryId = await this.redis.xadd(
      eventStreamKey(this.prefix),
      'MAXLEN',
      '~',
      EVENT_STREAM_MAX_LEN,
      '*',
      'event',
      JSON.stringify(parsed),
    );
    return entryId ?? '';
  }

  /** Reads up to `count` events after stream entry `afterEntryId` (`0` for the start). */
  async readAfter(
    afterEntryId: string,
    count = 100,
  ): Promise<{ entryId: string; event: DomainEvent }[]> {
    const entries = await this.redis.xrange(
      eventStreamKey(this.prefix),
      `(${afterEntryId}`,
      '+',
      'COUNT',
      count,
    );
    return entries.map(([entryId, fields]) => ({
      entryId,
      event: DomainEvent.parse(JSON.parse(fields[1] ?? 'null')),
    }));
  }
}

/** Where services report committed changes. */
export interface EventSink {
  /** Publishes one event; a failure is logged, never thrown (the change already stands). */
  emit(
    type: EventType,
    workspaceId: string,
    actor: EventActor,
    data: Record<string, unknown>,
  ): Promise<void>;
}

/** An {@link EventSink} on the Redis event stream, stamping each event with a new id. */
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
