/**
 * How long a request may wait for its job, from the `Prefer` header (RFC 7240):
 * `respond-async` alone answers at once; `wait=N` waits at most N seconds (capped); otherwise
 * the route's default.
 */
export function waitBudgetMs(prefer: string | undefined, defaultMs: number, maxMs: number): number {
  const prefs = (prefer ?? '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '');
  const wait = prefs.map((p) => /^wait\s*=\s*(\d+)$/.exec(p)?.[1]).find((v) => v !== undefined);
  if (wait !== undefined) {
    return Math.min(Number(wait) * 1000, maxMs);
  }
  if (prefs.includes('respond-async')) {
    return 0;
  }
  return Math.min(defaultMs, maxMs);
}
