import type { DomainEvent } from '@cp/contracts';
import { describeCause, type Logger } from '@cp/platform';
import type { EventStream } from './events';

/** Where the relay finds events to publish (the database's outbox). */
export interface OutboxSource {
  claimUnpublished(
    limit: number,
    leaseSeconds: number,
  ): Promise<{ id: string; payload: DomainEvent; ageMs?: number }[]>;
  markPublished(ids: string[]): Promise<void>;
  /** Gives back the lease of claimed events that could not be published. */
  releaseClaims(ids: string[]): Promise<void>;
}

/** Moves committed events from the outbox to the stream. */
export interface OutboxRelay {
  /** Asks for a run soon (call it after a commit that wrote events). Never throws. */
  kick(): void;
  /** Publishes until the outbox is empty (tests, shutdown). */
  drain(): Promise<void>;
  /** Stops polling and waits for the run in progress. */
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  source: OutboxSource;
  stream: EventStream;
  log: Logger;
  /** A run also happens this often, so events of a process that died are not stranded. */
  pollIntervalMs?: number;
  batchSize?: number;
  /** How long a claimed batch is this relay's before another may take it over. */
  leaseSeconds?: number;
  /** Records each published event's lag (its outbox row's age when published), in seconds. */
  observeLag?: (seconds: number) => void;
}

/**
 * Starts the outbox relay of one process. Delivery is at least once: a relay that dies after
 * publishing but before stamping leaves its batch to be published again when the lease ends,
 * with the same event ids, which consumers use to drop repeats. No transaction is held while
 * Redis is called.
 */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const batchSize = opts.batchSize ?? 100;
  const leaseSeconds = opts.leaseSeconds ?? 30;
  let current: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let lastFailure: string | undefined;

  // A row's lag is its age at claim (the database's clock) plus the time from claim to publish
  // (this clock), so clocks of different hosts never mix.
  const observeLag = (batch: { ageMs?: number }[], sinceClaimMs: number): void => {
    for (const entry of batch) {
      if (opts.observeLag && entry.ageMs !== undefined) {
        opts.observeLag((entry.ageMs + sinceClaimMs) / 1000);
      }
    }
  };

  const runOnce = async (): Promise<void> => {
    for (;;) {
      const batch = await opts.source.claimUnpublished(batchSize, leaseSeconds);
      const claimedAt = Date.now();
      if (batch.length === 0) {
        return;
      }
      const ids = batch.map((entry) => entry.id);
      try {
        await opts.stream.publishAll(batch.map((entry) => entry.payload));
      } catch (err) {
        // Give the batch back, so the next run retries it instead of waiting out the lease.
        await opts.source.releaseClaims(ids).catch(() => undefined);
        throw err;
      }
      observeLag(batch, Date.now() - claimedAt);
      await opts.source.markPublished(ids);
      if (batch.length < batchSize) {
        return;
      }
    }
  };

  const run = (): Promise<void> => {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        try {
          await runOnce();
          lastFailure = undefined;
        } catch (err) {
          const reason = describeCause(err);
          if (reason !== lastFailure) {
            opts.log.warn({ reason }, 'outbox relay could not publish; will retry');
            lastFailure = reason;
          }
          return;
        }
      } while (again && !stopped);
    })().finally(() => {
      current = undefined;
    });
    return current;
  };

  const timer = setInterval(() => void run(), opts.pollIntervalMs ?? 1_000);
  timer.unref();

  return {
    kick: () => {
      if (!stopped) {
        void run();
      }
    },
    drain: async () => {
      await run();
      while (current) {
        await current;
      }
      await run();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
