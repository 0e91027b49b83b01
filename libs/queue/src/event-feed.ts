import { DomainEvent } from '@cp/contracts';
import { describeCause, type Logger } from '@cp/platform';
import type { Redis } from 'ioredis';
import { eventStreamKey } from './events';

/** One event as a feed delivers it: its stream entry id (the resume position) and the event. */
export interface FeedEntry {
  entryId: string;
  event: DomainEvent;
}

type Listener = (entry: FeedEntry) => void;

interface Subscription {
  listener: Listener;
  /** Called when the feed stops, so the subscriber can end its response. */
  onEnd: () => void;
}

/** Orders stream entry ids (`<ms>-<seq>`). */
export function compareEntryIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** True for a stream entry id (`<ms>-<seq>`), the only resume position a client may send. */
export const isEntryId = (value: string): boolean => /^\d{1,20}-\d{1,20}$/.test(value);

/**
 * Follows the event stream with one blocking reader per process and fans entries out to
 * in-process listeners by workspace, so a thousand open SSE connections cost one Redis
 * connection, not a thousand.
 */
export class EventFeed {
  private readonly listeners = new Map<string, Set<Subscription>>();
  private running = false;
  private loop: Promise<void> | undefined;
  /** History reads go on their own connection: the reader's is held by a blocking XREAD. */
  private readonly queries: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.queries = redis.duplicate();
    this.queries.on('error', (err) =>
      log.warn({ reason: describeCause(err) }, 'event feed query connection error'),
    );
  }

  /** Starts following new entries. */
  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.loop = this.follow();
  }

  /** Stops following, ends every subscriber, and closes the reader's connection. */
  async stop(): Promise<void> {
    this.running = false;
    for (const set of this.listeners.values()) {
      for (const subscription of set) {
        subscription.onEnd();
      }
    }
    this.listeners.clear();
    this.redis.disconnect();
    this.queries.disconnect();
    await this.loop;
  }

  /**
   * Listens to one workspace's new events; returns the unsubscribe function. `onEnd` runs if
   * the feed stops first (process shutdown).
   */
  subscribe(
    workspaceId: string,
    listener: Listener,
    onEnd: () => void = () => undefined,
  ): () => void {
    let set = this.listeners.get(workspaceId);
    if (!set) {
      set = new Set();
      this.listeners.set(workspaceId, set);
    }
    const subscription: Subscription = { listener, onEnd };
    set.add(subscription);
    return () => {
      const current = this.listeners.get(workspaceId);
      if (current?.delete(subscription) && current.size === 0) {
        this.listeners.delete(workspaceId);
      }
    };
  }

  /** How many listeners are attached (for leak tests and metrics). */
  get listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) {
      count += set.size;
    }
    return count;
  }

  /** A workspace's events after `afterEntryId`, oldest first, up to `limit` entries scanned. */
  async history(workspaceId: string, afterEntryId: string, limit = 1_000): Promise<FeedEntry[]> {
    const entries = await this.queries.xrange(
      eventStreamKey(this.prefix),
      `(${afterEntryId}`,
      '+',
      'COUNT',
      limit,
    );
    return entries.flatMap(([entryId, fields]) => {
      const entry = parseEntry(entryId, fields);
      return entry && entry.event.workspace_id === workspaceId ? [entry] : [];
    });
  }

  /** The id of the stream's newest entry, or `0-0` when it is empty. */
  private async newestEntryId(): Promise<string> {
    const [newest] = await this.queries.xrevrange(
      eventStreamKey(this.prefix),
      '+',
      '-',
      'COUNT',
      1,
    );
    return newest?.[0] ?? '0-0';
  }

  private async follow(): Promise<void> {
    // An explicit position, never `$`: with `$` each read would skip what arrived between two
    // reads.
    let lastId: string | undefined;
    while (this.running) {
      try {
        lastId ??= await this.newestEntryId();
        const result = await this.redis.xread(
          'COUNT',
          500,
          'BLOCK',
          5_000,
          'STREAMS',
          eventStreamKey(this.prefix),
          lastId,
        );
        for (const [, entries] of result ?? []) {
          for (const [entryId, fields] of entries) {
            lastId = entryId;
            const entry = parseEntry(entryId, fields);
            if (entry) {
              for (const subscription of this.listeners.get(entry.event.workspace_id) ?? []) {
                subscription.listener(entry);
              }
            }
          }
        }
      } catch (err) {
        if (this.running) {
          this.log.warn({ reason: describeCause(err) }, 'event feed read failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    }
  }
}

function parseEntry(entryId: string, fields: string[]): FeedEntry | undefined {
  try {
    const parsed = DomainEvent.safeParse(JSON.parse(fields[1] ?? 'null'));
    return parsed.success ? { entryId, event: parsed.data } : undefined;
  } catch {
    return undefined;
  }
}
