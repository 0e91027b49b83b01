import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { RuntimeProfileJson } from '@cp/contracts';
import { createLogger } from '@cp/platform';
import {
  createTestDatabase,
  createTestQueuePrefix,
  createTestRedis,
  eventually,
  insertMember,
  insertRuntimeProfile,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  testRedisUrl,
} from '@cp/testing';
import { loadConfig } from './config';
import { type RunningApi, startApi } from './server';

/** Sends a JSON request on `agent`; resolves to the response and its body. */
function send(
  agent: Agent,
  url: string,
  init: { method: string; token: string; body: unknown },
): Promise<{ res: IncomingMessage; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        agent,
        method: init.method,
        headers: { Authorization: `Bearer ${init.token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ res, body: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(init.body));
  });
}

describe(`${startApi.name} shutdown`, () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 3 });
  });

  afterAll(async () => {
    const redis = await createTestRedis();
    await removeQueuePrefix(redis, prefix);
    redis.disconnect();
    await database.drop();
  });

  /** What {@link withHeldProfile} hands its body. */
  interface HeldProfile {
    sut: RunningApi;
    workspaceId: string;
    profileId: string;
    ownerToken: string;
    /** Resolves once the api's UPDATE of the profile waits on the test's lock. */
    apiWaits: () => Promise<void>;
    /** Commits the test's transaction, so the waiting UPDATE goes on. */
    release: () => Promise<void>;
  }

  /**
   * Starts an api and holds a profile row in a transaction of the test's own, so a PATCH of it
   * stays in flight for as long as `body` wants. Stops nothing: `body` stops the api.
   */
  async function withHeldProfile(body: (held: HeldProfile) => Promise<void>): Promise<void> {
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      API_PORT: '0',
    });
    const sut = await startApi(config, createLogger('test', 'silent'));
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const profile = await insertRuntimeProfile(database.db, workspace.id);
    const lock = database.dataSource.createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    await lock.query('SELECT id FROM runtime_profile WHERE id = $1 FOR UPDATE', [profile.id]);
    const apiWaits = () =>
      eventually(async () => {
        const [row] = await database.dataSource.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'cp-api'
             AND wait_event_type = 'Lock'`,
        );
        expect(row?.waiting).toBe(1);
      });
    try {
      await body({
        sut,
        workspaceId: workspace.id,
        profileId: profile.id,
        ownerToken: owner.token,
        apiWaits,
        release: () => lock.commitTransaction(),
      });
    } finally {
      if (lock.isTransactionActive) {
        await lock.rollbackTransaction();
      }
      await lock.release();
      if (sut.server.listening) {
        await sut.stop();
      }
    }
  }

  it('stops accepting connections, finishes the request in flight and closes its keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      await withHeldProfile(
        async ({ sut, workspaceId, profileId, ownerToken, apiWaits, release }) => {
          const inFlight = send(
            agent,
            `${sut.url}/api/workspaces/${workspaceId}/runtime-profiles/${profileId}`,
            {
              method: 'PATCH',
              token: ownerToken,
              body: { display_name: 'renamed while stopping' },
            },
          );
          await apiWaits();

          const stopped = sut.stop();
          await eventually(() => expect(sut.server.listening).toBe(false));
          await expect(fetch(`${sut.url}/healthz`)).rejects.toThrow();

          await release();
          const { res, body } = await inFlight;
          expect(res.statusCode).toBe(200);
          expect(res.headers.connection).toBe('close');
          expect(RuntimeProfileJson.parse(body).display_name).toBe('renamed while stopping');
          await stopped;
        },
      );
    } finally {
      agent.destroy();
    }
  });

  it('answers a request that arrives on a kept-alive connection while it drains', async () => {
    await withHeldProfile(
      async ({ sut, workspaceId, profileId, ownerToken, apiWaits, release }) => {
        const socket = connect(Number(new URL(sut.url).port), '127.0.0.1');
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (received += chunk));
        const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        try {
          const body = JSON.stringify({ display_name: 'renamed while draining' });
          socket.write(
            `PATCH /api/workspaces/${workspaceId}/runtime-profiles/${profileId} HTTP/1.1\r\n` +
              `Host: 127.0.0.1\r\nAuthorization: Bearer ${ownerToken}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
              body,
          );
          await apiWaits();

          const stopped = sut.stop();
          await eventually(() => expect(sut.server.listening).toBe(false));
          // Pipelined behind the waiting PATCH: the api answers it within the request event.
          socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          await release();
          await stopped;
          await ended;

          expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
          expect(received).toContain('renamed while draining');
          expect(received.toLowerCase()).toContain('connection: close');
        } finally {
          socket.destroy();
        }
      },
    );
  });
});
