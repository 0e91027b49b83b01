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
import { startApi } from './server';

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

  it('stops accepting connections, finishes the request in flight and closes its keep-alive connection', async () => {
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
    const agent = new Agent({ keepAlive: true });
    // The test's transaction holds the profile row, so the api's UPDATE waits on it: a request
    // in flight for as long as the test wants.
    const lock = database.dataSource.createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    await lock.query('SELECT id FROM runtime_profile WHERE id = $1 FOR UPDATE', [profile.id]);
    try {
      const inFlight = send(
        agent,
        `${sut.url}/api/workspaces/${workspace.id}/runtime-profiles/${profile.id}`,
        { method: 'PATCH', token: owner.token, body: { display_name: 'renamed while stopping' } },
      );
      await eventually(async () => {
        const [row] = await database.dataSource.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'cp-api'
             AND wait_event_type = 'Lock'`,
        );
        expect(row?.waiting).toBe(1);
      });

      const stopped = sut.stop();
      await eventually(() => expect(sut.server.listening).toBe(false));
      await expect(fetch(`${sut.url}/healthz`)).rejects.toThrow();

      await lock.commitTransaction();
      const { res, body } = await inFlight;
      expect(res.statusCode).toBe(200);
      expect(res.headers.connection).toBe('close');
      expect(RuntimeProfileJson.parse(body).display_name).toBe('renamed while stopping');
      await stopped;
    } finally {
      if (lock.isTransactionActive) {
        await lock.rollbackTransaction();
      }
      await lock.release();
      agent.destroy();
    }
  });

  it('answers a request that arrives on a kept-alive connection while it drains', async () => {
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
    const { port } = new URL(sut.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      const body = JSON.stringify({ display_name: 'renamed while draining' });
      socket.write(
        `PATCH /api/workspaces/${workspace.id}/runtime-profiles/${profile.id} HTTP/1.1\r\n` +
          `Host: 127.0.0.1\r\nAuthorization: Bearer ${owner.token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body,
      );
      await eventually(async () => {
        const [row] = await database.dataSource.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'cp-api'
             AND wait_event_type = 'Lock'`,
        );
        expect(row?.waiting).toBe(1);
      });

      const stopped = sut.stop();
      await eventually(() => expect(sut.server.listening).toBe(false));
      // Pipelined behind the waiting PATCH: the api answers it within the request event.
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await lock.commitTransaction();
      await stopped;
      await ended;

      expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received).toContain('renamed while draining');
      expect(received.toLowerCase()).toContain('connection: close');
    } finally {
      if (lock.isTransactionActive) {
        await lock.rollbackTransaction();
      }
      await lock.release();
      socket.destroy();
    }
  });
});
