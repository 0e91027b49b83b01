import { checkReadiness, type Probe } from '@cp/platform';
import { Router } from 'express';

export type { Probe } from '@cp/platform';

/**
 * `GET /healthz`: the process is up (200). `GET /readyz`: every dependency answered within the
 * timeout (200), else 503 naming what is down; the probes run in parallel, so a dead dependency
 * costs one timeout, not one per probe.
 */
export function healthRoutes(probes: Record<string, Probe>, timeoutMs: number): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const { ok, checks, down } = await checkReadiness(probes, timeoutMs);
    if (!ok) {
      res.status(503).set('Retry-After', '5').json({ status: 'unavailable', down, checks });
      return;
    }
    res.json({ status: 'ok', checks });
  });

  return router;
}
