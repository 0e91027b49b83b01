import type { OutboxRelay } from '@cp/queue';

/**
 * A stand-in for a dependency a test never uses (a queue, the event feed): touching it throws,
 * naming it, so the test fails loudly instead of silently using a half-built object.
 */
export function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`${name} is not used here (read ${String(property)})`);
    },
  });
}

/** A relay that is never kicked into action: events stay in the outbox for tests to read. */
export const idleRelay: Pick<OutboxRelay, 'kick'> = { kick: () => undefined };
