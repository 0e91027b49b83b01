import { describeCause } from './lifecycle';

/** A readiness check: resolves when the dependency answers. */
export type Probe = () => Promise<void>;

/** What `/readyz` answers: every check by name, and the names that are down. */
export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
  down: string[];
}

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
 * Runs every probe in parallel, each bounded by `timeoutMs`, so a dead dependency costs one
 * timeout, not one per probe. A check reads `ok` or `down: <reason>`.
 */
export async function checkReadiness(
  probes: Record<string, Probe>,
  timeoutMs: number,
): Promise<Readiness> {
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
  return { ok: down.length === 0, checks, down };
}
