import { createLogger, createMetricsRegistry } from '@cp/platform';
import { startQueueSampler } from '@cp/queue';
import {
  createTestDatabase,
  createTestApiQueues,
  createTestQueuePrefix,
  insertMember,
  insertOperator,
  insertRuntimeProfile,
  insertWorkspace,
  type TestApiQueues,
  type TestDatabase,
} from '@cp/testing';
import type { Express } from 'express';
import request from 'supertest';
import { type ApiOps, ephemeralOps } from '../app';
import { SESSION_COOKIE } from '../http/session';
import { buildTestApp, errorOf } from '../test-support';

describe('GET /metrics', () => {
  const prefix = createTestQueuePrefix();
  const scrapeToken = 'prometheus-scrape-token-0123';
  let database: TestDatabase;
  let queues: TestApiQueues;
  let ops: ApiOps;
  let app: Express;
  let operatorToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    queues = await createTestApiQueues(prefix);
    ops = { ...ephemeralOps(), metrics: createMetricsRegistry(), metricsToken: scrapeToken };
    app = buildTestApp(database.db, { queues, ops });
    ({ token: operatorToken } = await insertOperator(database.db));
  });

  afterAll(async () => {
    await queues.close();
    await database.drop();
  });

  const scrape = async (): Promise<string> => {
    const res = await request(app).get('/metrics').auth(scrapeToken, { type: 'bearer' });
    expect(res.status).toBe(200);
    return res.text;
  };

  describe('access', () => {
    it('answers the scrape token, in Prometheus text format', async () => {
      const res = await request(app).get('/metrics').auth(scrapeToken, { type: 'bearer' });
      expect(res.status).toBe(200);
      expect(res.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    });

    it("answers an operator's bearer token and an operator's dashboard session", async () => {
      const bearer = await request(app).get('/metrics').auth(operatorToken, { type: 'bearer' });
      expect(bearer.status).toBe(200);

      const login = await request(app).post('/admin/login').send({ token: operatorToken });
      const cookie = ([login.get('set-cookie') ?? []].flat()[0] ?? '').split(';')[0] ?? '';
      expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
      expect((await request(app).get('/metrics').set('Cookie', cookie)).status).toBe(200);
    });

    it('refuses no credentials and a wrong token (401) and a non-operator (403)', async () => {
      expect(errorOf(await request(app).get('/metrics'))).toMatchObject({
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      const wrong = await request(app)
        .get('/metrics')
        .auth(`${scrapeToken}-not`, { type: 'bearer' });
      expect(errorOf(wrong)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      const { token } = await insertOperator(database.db, { isOperator: false });
      const member = await request(app).get('/metrics').auth(token, { type: 'bearer' });
      expect(errorOf(member)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    });

    it('is for operators only when no scrape token is configured', async () => {
      const closed = buildTestApp(database.db, { ops: ephemeralOps() });
      const res = await request(closed).get('/metrics').auth(scrapeToken, { type: 'bearer' });
      expect(errorOf(res)).toMatchObject({ status: 401 });
      const operator = await request(closed)
        .get('/metrics')
        .auth(operatorToken, { type: 'bearer' });
      expect(operator.status).toBe(200);
    });
  });

  describe('request durations', () => {
    it('labels requests by route template and status, never by a URL with ids', async () => {
      const workspace = await insertWorkspace(database.db);
      const member = await insertMember(database.db, workspace.id, 'member');
      const profile = await insertRuntimeProfile(database.db, workspace.id);
      const path = `/api/workspaces/${workspace.id}/runtime-profiles`;
      await request(app).get(`${path}/${profile.id}`).auth(member.token, { type: 'bearer' });
      await request(app).get(path).auth(member.token, { type: 'bearer' });
      await request(app).get(`${path}/${profile.id}`);
      await request(app).get(`/no/such/${profile.id}`);
      await request(app).get('/healthz');

      const text = await scrape();
      const count = (route: string, status: number) =>
        `cp_http_request_duration_seconds_count{method="GET",route="${route}",status="${status}"}`;
      expect(text).toContain(
        count('/api/workspaces/:workspaceId/runtime-profiles/:profileId', 200),
      );
      expect(text).toContain(count('/api/workspaces/:workspaceId/runtime-profiles', 200));
      expect(text).toContain(count('/api/workspaces/:workspaceId/runtime-profiles/*', 401));
      expect(text).toContain(count('unmatched', 404));
      expect(text).toContain(count('/healthz', 200));
      expect(text).not.toContain(workspace.id);
      expect(text).not.toContain(profile.id);
    });
  });

  describe('queue gauges', () => {
    it('shows the counts of the last background reading, not of the scrape', async () => {
      const sampler = startQueueSampler(
        [queues.registry.producer.queue, queues.cascade.producer.queue],
        {
          registry: ops.metrics,
          log: createLogger('test', 'silent'),
        },
      );
      try {
        await queues.registry.producer.queue.add('runtime.register', {}, { delay: 60_000 });
        await sampler.refresh();
        const text = await scrape();
        expect(text).toContain('cp_queue_jobs{queue="registry",state="delayed"} 1');
        expect(text).toContain('cp_queue_jobs{queue="registry",state="waiting"} 0');
        expect(text).toContain('cp_queue_jobs{queue="cascade",state="failed"} 0');

        // A scrape reads no queue: a job added since the last reading is not counted yet.
        await queues.registry.producer.queue.add('runtime.register', {}, { delay: 60_000 });
        expect(await scrape()).toContain('cp_queue_jobs{queue="registry",state="delayed"} 1');
        await sampler.refresh();
        expect(await scrape()).toContain('cp_queue_jobs{queue="registry",state="delayed"} 2');
      } finally {
        await sampler.stop();
      }
    });
  });
});
