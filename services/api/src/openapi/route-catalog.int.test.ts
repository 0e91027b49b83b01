import { createTestDatabase, type TestDatabase } from '@cp/testing';
import request from 'supertest';
import { buildTestApp } from '../test-support';
import { buildOpenApiDocument } from './document';
import { ROUTE_CATALOG, type RouteEntry } from './route-catalog';
import { listServedRoutes, type ServedRoute } from './served-routes';

const key = (route: ServedRoute | RouteEntry): string =>
  `${route.method.toUpperCase()} ${route.path}`;

describe('ROUTE_CATALOG', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  const served = () => listServedRoutes(buildTestApp(database.db));

  it('lists every route the app serves, and only those', () => {
    const { routes, mounts } = served();
    expect(routes.map(key).sort()).toEqual(
      ROUTE_CATALOG.filter((r) => !r.mount)
        .map(key)
        .sort(),
    );
    expect(mounts.sort()).toEqual(
      ROUTE_CATALOG.filter((r) => r.mount)
        .map((r) => r.path)
        .sort(),
    );
  });

  it('covers the ops surface and the daemon heartbeat', () => {
    const { routes, mounts } = served();
    expect(routes.map(key)).toEqual(
      expect.arrayContaining([
        'GET /metrics',
        'GET /openapi.json',
        'POST /admin/login',
        'POST /api/daemon/heartbeat',
      ]),
    );
    expect(mounts).toContain('/admin/queues');
  });

  it('is served as the OpenAPI document at GET /openapi.json, without credentials', async () => {
    const res = await request(buildTestApp(database.db)).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});
