import { DomainEvent } from '@cp/contracts';
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

  /** Appends events in order, in one round trip. */
  async publishAll(events: DomainEvent[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const event of events) {
      const parsed = DomainEvent.parse(event);
      pipeline.xadd(
        eventStreamKey(this.prefix),
        'MAXLEN',
        '~',
        EVENT_STREAM_MAX_LEN,
        '*',
        'event',
        JSON.stringify(parsed),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed?.[0]) {
      throw failed[0];
    }
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
