import { Router } from 'express';
import { buildOpenApiDocument } from '../openapi/document';

/**
 * `GET /openapi.json` (no authentication): the OpenAPI 3.1 document built from the route catalog
 * and the zod contracts. Built once, on the first request, and served as the same bytes after.
 */
export function openApiRoutes(): Router {
  const router = Router();
  let body: string | undefined;

  router.get('/openapi.json', (_req, res) => {
    body ??= JSON.stringify(buildOpenApiDocument());
    res.type('application/json').send(body);
  });

  return router;
}
