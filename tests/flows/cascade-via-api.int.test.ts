import { type ApiQueues, createApp, DEFAULT_AUTH_OPTIONS } from '@cp/api';
import { makeCascadeHandlers } from '@cp/cascade-worker';
import { AgentJson, AutopilotJson, ErrorResponse, MESSAGES, SquadJson } from '@cp/contracts';
import { createLogger } from '@cp/platform';
import {
  type EventFeed,
  EventStream,
  type OutboxRelay,
  type RunningWorker,
  runQueueWorker,
  startOutboxRelay,
} from '@cp/queue';
import {
  createTestDatabase,
  createTestQueueAccess,
  createTestQueuePrefix,
  createTestRedis,
  insertMember,
  insertRuntime,
  insertWorkspace,
  removeQueuePrefix,
  type TestDatabase,
  type TestQueueAccess,
  testRedisUrl,
  uniqueSuffix,
} from '@cp/testing';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import request from 'supertest';

const log = createLogger('cascade-via-api-test', 'silent');
const sweep = { staleAfterMs: 60_000, batchSize: 100 };

/** This flow never opens the event feed: touching it fails the test loudly. */
function unusedFeed(): EventFeed {
  return new Proxy({} as EventFeed, {
    get: () => {
      throw new Error('the event feed is not used here');
    },
  });
}

/**
 * The runtime-delete cascade driven only through the API: agents, squads and autopilots are
 * created and archived over HTTP, then DELETE /api/runtimes/{id} runs on an in-process cascade
 * worker.
 */
describe('the cascade through the API', () => {
  const prefix = createTestQueuePrefix();
  let database: TestDatabase;
  let redis: Redis;
  let relay: OutboxRelay;
  let registry: TestQueueAccess<'registry'>;
  let cascade: TestQueueAccess<'cascade'>;
  let worker: RunningWorker;
  let app: Express;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis();
    registry = await createTestQueueAccess('registry', prefix);
    cascade = await createTestQueueAccess('cascade', prefix);
    relay = startOutboxRelay({
      source: database.db.outbox,
      stream: new EventStream(redis, prefix),
      log,
    });
    worker = await runQueueWorker(
      'cascade',
      makeCascadeHandlers({ db: database.db, relay, cascade: cascade.producer, sweep }),
      { redisUrl: testRedisUrl(), prefix, concurrency: 2, log },
    );
    const queues: ApiQueues = { registry, cascade };
    app = createApp({
      db: database.db,
      log,
      relay,
      auth: DEFAULT_AUTH_OPTIONS,
      queues,
      feed: unusedFeed(),
      registerWaitMs: 5_000,
      probes: {},
      readinessTimeoutMs: 500,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await relay?.stop();
    await registry?.close();
    await cascade?.close();
    await removeQueuePrefix(redis, prefix);
    redis?.disconnect();
    await database?.drop();
  });

  it('refuses while the agent is active and while its squad is active, then deletes the agent and squad and pauses the autopilot', async () => {
    const workspace = await insertWorkspace(database.db);
    const owner = await insertMember(database.db, workspace.id, 'owner');
    const member = await insertMember(database.db, workspace.id, 'member');
    const runtime = await insertRuntime(database.db, workspace.id, { ownerId: owner.user.id });
    const url = `/api/workspaces/${workspace.id}`;
    const post = (path: string, body?: object) => {
      const req = request(app).post(`${url}${path}`).auth(member.token, { type: 'bearer' });
      return body ? req.send(body) : req;
    };
    const deleteRuntime = () =>
      request(app)
        .delete(`/api/runtimes/${runtime.id}`)
        .set('Prefer', 'wait=10')
        .auth(owner.token, { type: 'bearer' });

    const created = await post('/agents', {
      name: `agent-${uniqueSuffix()}`,
      runtime_id: runtime.id,
    });
    expect(created.status).toBe(201);
    const agent = AgentJson.parse(created.body);
    const squadRes = await post('/squads', {
      name: `squad-${uniqueSuffix()}`,
      leader_id: agent.id,
    });
    expect(squadRes.status).toBe(201);
    const squad = SquadJson.parse(squadRes.body);
    const autopilotRes = await post('/autopilots', { title: 'nightly', assignee_id: agent.id });
    expect(autopilotRes.status).toBe(201);
    const autopilot = AutopilotJson.parse(autopilotRes.body);

    const activeAgent = await deleteRuntime();
    expect(activeAgent.status).toBe(409);
    const refusal = activeAgent.body as Record<string, unknown>;
    expect(refusal).toMatchObject({
      error: MESSAGES.runtimeActiveAgents,
      code: 'runtime_has_active_agents',
    });
    expect(
      AgentJson.array()
        .parse(refusal.active_agents)
        .map((a) => a.id),
    ).toEqual([agent.id]);

    const archived = await post(`/agents/${agent.id}/archive`);
    expect(archived.status).toBe(200);
    expect(AgentJson.parse(archived.body).archived_by).toBe(member.user.id);

    const activeSquad = await deleteRuntime();
    expect(activeSquad.status).toBe(409);
    expect(ErrorResponse.parse(activeSquad.body)).toMatchObject({
      code: 'ACTIVE_SQUADS_LED_BY_ARCHIVED_AGENTS',
      error: MESSAGES.runtimeActiveSquads,
    });

    const squadArchived = await post(`/squads/${squad.id}/archive`);
    expect(squadArchived.status).toBe(200);
    expect(SquadJson.parse(squadArchived.body).archived_at).not.toBeNull();

    const deleted = await deleteRuntime();

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ status: 'ok' });
    const { db } = database;
    expect(await db.runtimes.findById(runtime.id)).toBeNull();
    expect(await db.agents.findById(agent.id)).toBeNull();
    expect(await db.agents.findSquadInWorkspace(workspace.id, squad.id)).toBeNull();
    expect(await db.agents.findAutopilotInWorkspace(workspace.id, autopilot.id)).toMatchObject({
      status: 'paused',
    });
    const gone = await post(`/agents/${agent.id}/restore`);
    expect(ErrorResponse.parse(gone.body).error).toBe(MESSAGES.agentNotFound);
  });
});
