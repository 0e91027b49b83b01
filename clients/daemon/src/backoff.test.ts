import { parseRetryAfter, retryDelayMs } from './backoff';

const policy = { baseMs: 100, maxMs: 1_000 };
const low = () => 0;
const high = () => 0.999_999;

describe(retryDelayMs.name, () => {
  it('doubles the step each attempt, jittered between half the step and the step', () => {
    expect([0, 1, 2, 3].map((a) => retryDelayMs(a, undefined, policy, low))).toEqual([
      50, 100, 200, 400,
    ]);
    expect([0, 1, 2, 3].map((a) => retryDelayMs(a, undefined, policy, high))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it('stops growing at the maximum', () => {
    expect(retryDelayMs(30, undefined, policy, high)).toBe(1_000);
    expect(retryDelayMs(30, undefined, policy, low)).toBe(500);
  });

  it('never retries before Retry-After, and spreads retries over up to half of it again', () => {
    expect(retryDelayMs(0, 1_000, policy, low)).toBe(1_000);
    expect(retryDelayMs(0, 1_000, policy, high)).toBe(1_500);
    expect(retryDelayMs(0, 5_000, policy, low)).toBeGreaterThan(policy.maxMs);
  });

  it('keeps the exponential step when it is longer than Retry-After', () => {
    expect(retryDelayMs(3, 100, policy, low)).toBe(400);
  });

  it('caps an absurd Retry-After at ten minutes', () => {
    expect(retryDelayMs(0, 86_400_000, policy, low)).toBe(600_000);
  });
});

describe(parseRetryAfter.name, () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, a past one as 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable value', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});
