import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; rejects early when `signal` aborts. Injected so tests can observe the waits. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real wait. */
export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, { signal });
};
