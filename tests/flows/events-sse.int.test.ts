import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type ApiDeps, createApp, DEFAULT_AUTH_OPTIONS } from '@cp/api';
import { buildEvent, DomainEvent } from '@cp/contracts';
import { createLogger } from '@cp/platform';
import { EventFeed, EventStream, type OutboxRelay, startOutboxRelay } from '@cp/queue';
import {
  createTestDatabase,
  deferred,
  createTestQueuePrefix,
  createTestRedis,
  eventually,
  insertMember,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  unused,
} from '@cp/testing';
import type { Redis } from 'ioredis';

const log = createLogger('sse-test', 'silent');

interface SseMessage {
  id: string;
  event: string;
  data: DomainEvent;
}

/** An open SSE connection: the messages received so far, and how to close it. */
interface SseClient {
  messages: SseMessage[];
  close(): void;
}

async function openStream(url: string, token: string, lastEventId?: string): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: {
      Authorization: `Bearer ${token}`,
      ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
    },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const messages: SseMessage[] = [];
  const body = res.body;
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of body ?? []) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map(
            block
              .split('\n')
              .filter((line) => !line.startsWith(':') && line.includes(': '))
              .map((line) => [
                line.slice(0, line.indexOf(': ')),
                line.slice(line.indexOf(': ') + 2),
              ]),
          );
          const data = fields.get('data');
          if (data) {
            messages.push({
              id: fields.get('id') ?? '',
              event: fields.get('event') ?? '',
              data: DomainEvent.parse(JSON.parse(data)),
            });
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  return { messages, close: () => abort.abort() };
}

describe('GET /api/workspaces/:id/events', () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let redis: Redis;
  let feed: EventFeed;
  let relay: OutboxRelay;
  const servers: Server[] = [];
  let base: string;

  /** Serves an api over this file's system on a free port; resolves to its base URL. */
  async function listen(overrides: Partial<ApiDeps> = {}): Promise<string> {
    const app = createApp({
      db: database.db,
      log,
      relay,
      feed,
      auth: DEFAULT_AUTH_OPTIONS,
      queues: { registry: unused('the registry queue'), cascade: unused('the cascade queue') },
      registerWaitMs: 1_000,
      probes: {},
      readinessTimeoutMs: 500,
      ...overrides,
    });
    const server = createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis();
    feed = new EventFeed(await createTestRedis(), prefix, log);
    feed.start();
    relay = startOutboxRelay({
      source: database.db.outbox,
      stream: new EventStream(redis, prefix),
      log,
    });
    base = await listen();
  });

  afterAll(async () => {
    await relay.stop();
    await feed.stop();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  async function createProfile(workspaceId: string, token: string, name: string): Promise<string> {
    const res = await fetch(`${base}/api/workspaces/${workspaceId}/runtime-profiles`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        display_name: name,
        protocol_family: 'codex',
        command_name: 'company-codex',
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it('streams committed changes live, and resumes from Last-Event-ID without loss or repeats', async () => {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const url = `${base}/api/workspaces/${workspace.id}/events`;

    const first = await openStream(url, owner.token);
    await eventually(() => expect(feed.listenerCount).toBeGreaterThan(0));
    const firstId = await createProfile(workspace.id, owner.token, 'Live');
    const [live] = await eventually(() => {
      expect(first.messages).toHaveLength(1);
      return first.messages;
    });
    expect(live).toMatchObject({
      event: 'runtime_profile.created',
      data: {
        type: 'runtime_profile.created',
        workspace_id: workspace.id,
        data: { runtime_profile_id: firstId },
      },
    });
    first.close();

    const missedId = await createProfile(workspace.id, owner.token, 'Missed');
    await relay.drain();
    const resumed = await openStream(url, owner.token, live?.id);
    const laterId = await createProfile(workspace.id, owner.token, 'Later');

    await eventually(() => expect(resumed.messages).toHaveLength(2));
    expect(resumed.messages.map((m) => m.data.data.runtime_profile_id)).toEqual([
      missedId,
      laterId,
    ]);
    resumed.close();
  });

  it('delivers an event whose relay died before publishing, once, when a relay runs again', async () => {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const client = await openStream(`${base}/api/workspaces/${workspace.id}/events`, owner.token);
    // Committed, then claimed by a relay that died before publishing it.
    const event = buildEvent(
      'runtime_profile.updated',
      workspace.id,
      { type: 'member', id: owner.user.id },
      {
        runtime_profile_id: '00000000-0000-4000-8000-000000000000',
      },
    );
    await database.db.outbox.append(event);
    await database.db.outbox.claimUnpublished(10, 30);
    await relay.drain();
    expect(client.messages).toEqual([]);

    // The lease runs out; the next run publishes it.
    await database.dataSource.query(
      `UPDATE event_outbox SET claimed_until = now() - interval '1 second' WHERE id = $1`,
      [event.id],
    );
    await relay.drain();
    await relay.drain();

    await eventually(() => expect(client.messages.map((m) => m.data.id)).toEqual([event.id]));
    client.close();
  });

  it('frees the subscription when the client goes away, and refuses strangers', async () => {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const stranger = await insertMember(
      database.db,
      (await insertWorkspace(database.db)).id,
      'owner',
    );
    const before = feed.listenerCount;
    const client = await openStream(`${base}/api/workspaces/${workspace.id}/events`, owner.token);
    await eventually(() => expect(feed.listenerCount).toBe(before + 1));
    client.close();
    await eventually(() => expect(feed.listenerCount).toBe(before));

    const res = await fetch(`${base}/api/workspaces/${workspace.id}/events`, {
      headers: { Authorization: `Bearer ${stranger.token}` },
    });
    expect(res.status).toBe(404);
  });
  it('sends a keep-alive comment while the stream is idle', async () => {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const quick = await listen({ sseKeepAliveMs: 20 });
    const abort = new AbortController();
    const res = await fetch(`${quick}/api/workspaces/${workspace.id}/events`, {
      headers: { Authorization: `Bearer ${owner.token}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const decoder = new TextDecoder();
    let received = '';
    for await (const chunk of res.body ?? []) {
      received += decoder.decode(chunk as Uint8Array, { stream: true });
      if (received.split(': keep-alive\n\n').length > 2) {
        break;
      }
    }
    abort.abort();
    expect(received.startsWith(': connected\n\n')).toBe(true);
    expect(received.split(': keep-alive\n\n').length).toBeGreaterThan(2);
  });

  it('frees the subscription of a client that leaves while its missed events are read', async () => {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    // The history read waits for the test, so the client can leave in the middle of it.
    const started = deferred();
    const released = deferred();
    const gatedFeed = Object.create(feed) as EventFeed;
    gatedFeed.history = async (...args) => {
      started.resolve();
      await released.promise;
      return feed.history(...args);
    };
    const gated = await listen({ feed: gatedFeed });
    const server = servers[servers.length - 1];
    const socketClosed = new Promise<void>((resolve) =>
      server?.once('connection', (socket: Socket) => socket.once('close', () => resolve())),
    );
    const before = feed.listenerCount;

    const abort = new AbortController();
    const request = fetch(`${gated}/api/workspaces/${workspace.id}/events`, {
      headers: { Authorization: `Bearer ${owner.token}`, 'Last-Event-ID': '0-1' },
      signal: abort.signal,
    }).catch(() => undefined);
    await started.promise;
    expect(feed.listenerCount).toBe(before + 1);
    abort.abort();
    await request;
    await socketClosed;
    released.resolve();

    await eventually(() => expect(feed.listenerCount).toBe(before));
  });
});
