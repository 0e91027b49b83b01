/** The outcome of one item of a batch. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface MicroBatcherOptions {
  /** At most this many items per flush. */
  maxBatchSize: number;
  /** At most this many flushes at once (each holds one database connection). */
  maxConcurrentFlushes: number;
  /** Told the size of every batch as it is flushed (the batch-size metric). */
  onFlush?: (batchSize: number) => void;
}

/**
 * Groups concurrent submissions into batches without a timer: items that arrive in the same
 * tick, or while all flush slots are busy, go together. Under light load a batch is one item
 * and adds no latency; under a storm batches grow to `maxBatchSize` on their own.
 */
export class MicroBatcher<I, O> {
  private pending: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] =
    [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<Settled<O>[]>,
    private readonly opts: MicroBatcherOptions,
  ) {}

  /** Queues one item; settles with that item's own outcome. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.inFlight < this.opts.maxConcurrentFlushes && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.opts.maxBatchSize);
      this.inFlight++;
      this.opts.onFlush?.(batch.length);
      // Through a promise even if `flush` throws synchronously, so every item settles.
      Promise.resolve()
        .then(() => this.flush(batch.map((entry) => entry.item)))
        .then(
          (results) =>
            batch.forEach((entry, i) => {
              const result = results[i];
              if (result?.ok) {
                entry.resolve(result.value);
              } else {
                entry.reject(result ? result.error : new Error('batch returned no result'));
              }
            }),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.drain();
        });
    }
  }
}
