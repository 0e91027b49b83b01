import express, { Router } from 'express';
import { listServedRoutes, toOpenApiPath } from './served-routes';

describe(listServedRoutes.name, () => {
  it('lists routes, nested routers under their mount paths, and whole-subtree handlers', () => {
    const inner = Router({ mergeParams: true });
    inner.get('/', (_req, res) => res.end());
    inner
      .route('/:itemId')
      .patch((_req, res) => res.end())
      .put((_req, res) => res.end());
    const outer = Router();
    outer.use('/items', inner);
    outer.post('/ping', (_req, res) => res.end());
    const dashboard = express();
    dashboard.get('/api/queues', (_req, res) => res.end());

    const sut = express();
    sut.use((_req, _res, next) => next());
    sut.get('/healthz', (_req, res) => res.end());
    sut.use('/api/workspaces/:workspaceId', (_req, _res, next) => next(), outer);
    sut.use('/admin/queues', (_req, _res, next) => next(), dashboard);
    sut.use(
      '/files',
      (_req, _res, next) => next(),
      (_req, res) => res.end(),
    );
    sut.use((_req, res) => res.status(404).end());

    expect(listServedRoutes(sut)).toEqual({
      routes: [
        { method: 'get', path: '/healthz' },
        { method: 'get', path: '/api/workspaces/{workspaceId}/items' },
        { method: 'patch', path: '/api/workspaces/{workspaceId}/items/{itemId}' },
        { method: 'put', path: '/api/workspaces/{workspaceId}/items/{itemId}' },
        { method: 'post', path: '/api/workspaces/{workspaceId}/ping' },
      ],
      mounts: ['/admin/queues', '/files'],
    });
  });

  it('refuses a path it cannot list (a RegExp) rather than skipping it', () => {
    const sut = express();
    sut.get(/^\/legacy\/.*$/, (_req, res) => res.end());
    expect(() => listServedRoutes(sut)).toThrow(/only string paths/);
  });
});

describe(toOpenApiPath.name, () => {
  it('joins mount paths and writes params the OpenAPI way', () => {
    expect(toOpenApiPath('/', '/')).toBe('/');
    expect(toOpenApiPath('/', '/api/runtimes', '/')).toBe('/api/runtimes');
    expect(toOpenApiPath('/api/runtimes', '/:runtimeId')).toBe('/api/runtimes/{runtimeId}');
  });
});
