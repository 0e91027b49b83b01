import { describeCause } from '@cp/platform';
import { Router } from 'express';

/** A readiness check: resolves when the dependency answers. */
export type Probe = () => Promise<void>;

async function withTimeout(probe: Probe, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

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
    const names = Object.keys(probes);
    const results = await Promise.allSettled(
      names.map((name) => withTimeout(probes[name] ?? (() => Promise.resolve()), timeoutMs)),
    );
    const checks: Record<string, string> = {};
    const down: string[] = [];
    results.forEach((result, i) => {
      const name = names[i] ?? '';
      if (result.status === 'fulfilled') {
        checks[name] = 'ok';
      } else {
        checks[name] = `down: ${describeCause(result.reason)}`;
        down.push(name);
      }
    });
    if (down.length > 0) {
      res.status(503).set('Retry-After', '5').json({ status: 'unavailable', down, checks });
      return;
    }
    res.json({ status: 'ok', checks });
  });

  return router;
}
