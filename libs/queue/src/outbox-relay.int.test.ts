import { randomUUID } from 'node:crypto';
import { buildEvent, type DomainEvent } from '@cp/contracts';
import type { Db } from '@cp/db';
import { createLogger } from '@cp/platform';
import {
  createTestDatabase,
  createTestQueuePrefix,
  createTestRedis,
  removeQueuePrefix,
  type TestDatabase,
} from '@cp/testing';
import type { Redis } from 'ioredis';
import { EventStream } from './events';
import { type OutboxRelay, startOutboxRelay } from './outbox-relay';
import { createRedisConnection } from './redis';

const log = createLogger('outbox-relay-test', 'silent');

/** An event of a fresh workspace (the outbox keys nothing on the workspace row). */
const newEvent = (workspaceId: string = randomUUID()): DomainEvent =>
  buildEvent(
    'runtime_profile.created',
    workspaceId,
    { type: 'system', id: null },
    {
      runtime_profile_id: randomUUID(),
    },
  );

describe(startOutboxRelay.name, () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let db: Db;
  let redis: Redis;
  let stream: EventStream;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    redis = await createTestRedis('producer');
    stream = new EventStream(redis, prefix);
  });

  afterAll(async () => {
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  /** Runs `work` with a relay on the real stream, stopping the relay afterwards. */
  async function withRelay(work: (relay: OutboxRelay) => Promise<void>): Promise<void> {
    const relay = startOutboxRelay({ source: db.outbox, stream, log });
    try {
      await work(relay);
    } finally {
      await relay.stop();
    }
  }

  /** The events of one workspace on this file's stream, in stream order. */
  async function streamedIn(workspaceId: string): Promise<DomainEvent[]> {
    const entries = await stream.readAfter('0', 10_000);
    return entries.map(({ event }) => event).filter((event) => event.workspace_id === workspaceId);
  }

  /** Whether each of the workspace's outbox rows is stamped published, oldest first. */
  async function publishedFlags(workspaceId: string): Promise<boolean[]> {
    return (await db.outbox.listForWorkspace(workspaceId)).map((event) => event.published);
  }

  it('publishes the events of a committed transaction once, in order, with their ids, and stamps them published', async () => {
    const workspaceId = randomUUID();
    const events = [
      newEvent(workspaceId),
      buildEvent(
        'runtime_profile.updated',
        workspaceId,
        { type: 'member', id: randomUUID() },
        {
          runtime_profile_id: randomUUID(),
        },
      ),
      buildEvent(
        'runtime_profile.deleted',
        workspaceId,
        { type: 'system', id: null },
        {
          deleted_runtime_profile_id: randomUUID(),
        },
      ),
    ];
    await db.transaction(async (tx) => {
      for (const event of events) {
        await tx.outbox.append(event);
      }
    });

    await withRelay(async (relay) => {
      await relay.drain();
      await relay.drain();
    });

    expect(await streamedIn(workspaceId)).toEqual(events);
    expect(await db.outbox.listForWorkspace(workspaceId)).toEqual(
      events.map((event) => ({ ...event, published: true })),
    );
  });

  it('never publishes the events of a rolled-back transaction', async () => {
    const workspaceId = randomUUID();
    const rolledBack = newEvent(workspaceId);
    const committed = newEvent(workspaceId);
    await expect(
      db.transaction(async (tx) => {
        await tx.outbox.append(rolledBack);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await db.outbox.append(committed);

    await withRelay((relay) => relay.drain());

    expect(await streamedIn(workspaceId)).toEqual([committed]);
    expect(await db.outbox.listForWorkspace(workspaceId)).toEqual([
      { ...committed, published: true },
    ]);
  });

  it('leaves an event claimed by a relay that died to its lease, then publishes it exactly once', async () => {
    const workspaceId = randomUUID();
    const event = newEvent(workspaceId);
    await db.outbox.append(event);
    // A relay claims the event, then dies before publishing it.
    const claimed = await db.outbox.claimUnpublished(10, 30);
    expect(claimed.map((entry) => entry.id)).toEqual([event.id]);

    await withRelay((relay) => relay.drain());

    expect(await streamedIn(workspaceId)).toEqual([]);
    expect(await publishedFlags(workspaceId)).toEqual([false]);

    await database.dataSource.query(
      `UPDATE event_outbox SET claimed_until = now() - interval '1 second' WHERE id = $1`,
      [event.id],
    );
    await withRelay(async (relay) => {
      await relay.drain();
      await relay.drain();
    });

    expect(await streamedIn(workspaceId)).toEqual([event]);
    expect(await publishedFlags(workspaceId)).toEqual([true]);
  });

  it('keeps an event it could not publish while Redis is unreachable, and a relay publishes it once Redis answers', async () => {
    const workspaceId = randomUUID();
    const event = newEvent(workspaceId);
    await db.outbox.append(event);
    const unreachable = createRedisConnection('redis://127.0.0.1:1', 'producer');
    unreachable.on('error', () => undefined);
    const down = startOutboxRelay({
      source: db.outbox,
      stream: new EventStream(unreachable, prefix),
      log,
    });
    try {
      await expect(down.drain()).resolves.toBeUndefined();
    } finally {
      await down.stop();
      unreachable.disconnect();
    }

    expect(await publishedFlags(workspaceId)).toEqual([false]);
    expect(await streamedIn(workspaceId)).toEqual([]);

    await withRelay((relay) => relay.drain());

    expect(await streamedIn(workspaceId)).toEqual([event]);
    expect(await publishedFlags(workspaceId)).toEqual([true]);
  });
});
