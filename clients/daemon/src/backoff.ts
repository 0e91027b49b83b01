/** How retries space out. */
export interface BackoffPolicy {
  /** The first retry waits between half of this and this. */
  baseMs: number;
  /** Exponential growth stops here (a `Retry-After` may still ask for longer). */
  maxMs: number;
}

/** Half a second, doubling up to 30 s: a restarted api is retried within seconds. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** A server may not park a daemon for longer than this with one `Retry-After`. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * How long to wait before retry number `attempt` (0 for the first retry): exponential backoff
 * with "equal jitter" (between half the step and the step), so a fleet that failed together does
 * not come back together. A server's `Retry-After` is a floor, never shortened; a random part
 * of up to half of it is added on top, for the same reason.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  const backoff = step / 2 + (random() * step) / 2;
  if (retryAfterMs === undefined) {
    return Math.round(backoff);
  }
  const floor = Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(floor, backoff) + (random() * floor) / 2);
}

/**
 * A `Retry-After` header in milliseconds: delta-seconds (`120`) or an HTTP date, relative to
 * `nowMs`. Undefined when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  // An HTTP date has a weekday and a month name; without letters, Date.parse would read "-1"
  // as a year.
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
