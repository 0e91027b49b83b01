import { MicroBatcher, type Settled } from './micro-batcher';

/** One call of the fake flush, settled by the test. */
interface FlushCall {
  items: string[];
  resolve: (results: Settled<string>[]) => void;
  reject: (error: Error) => void;
}

/**
 * A flush the test drives: each call waits until the test settles it. `call(n)` resolves once
 * the n-th call (0-based) has started; `maxConcurrent` is the most calls seen in flight at once.
 */
class FakeFlush {
  readonly calls: FlushCall[] = [];
  maxConcurrent = 0;
  private inFlight = 0;
  private readonly waiters = new Map<number, (call: FlushCall) => void>();

  readonly fn = (items: string[]): Promise<Settled<string>[]> => {
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    const done = () => {
      this.inFlight--;
    };
    return new Promise<Settled<string>[]>((resolve, reject) => {
      const call: FlushCall = {
        items,
        resolve: (results) => {
          done();
          resolve(results);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      this.calls.push(call);
      this.waiters.get(this.calls.length - 1)?.(call);
    });
  };

  call(n: number): Promise<FlushCall> {
    const existing = this.calls[n];
    if (existing) {
      return Promise.resolve(existing);
    }
    return new Promise((resolve) => this.waiters.set(n, resolve));
  }
}

/** Every item succeeds with its upper-case form. */
const allOk = (items: string[]): Settled<string>[] =>
  items.map((item) => ({ ok: true, value: item.toUpperCase() }));

/** Resolves after every callback already queued with `setImmediate` (the batcher's tick). */
const afterPendingImmediates = (): Promise<void> =>
  new Promise((resolve) => setImmediate(() => resolve()));

describe(MicroBatcher.name, () => {
  describe('submit', () => {
    it('flushes items submitted in the same tick together', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 10, maxConcurrentFlushes: 2 });

      const outcomes = Promise.all(['a', 'b', 'c'].map((item) => sut.submit(item)));
      const call = await flush.call(0);
      call.resolve(allOk(call.items));

      expect(await outcomes).toEqual(['A', 'B', 'C']);
      expect(flush.calls.map((c) => c.items)).toEqual([['a', 'b', 'c']]);
    });

    it('does not flush before the tick ends', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 10, maxConcurrentFlushes: 2 });

      const outcome = sut.submit('a');

      expect(flush.calls).toHaveLength(0);
      const call = await flush.call(0);
      call.resolve(allOk(call.items));
      expect(await outcome).toBe('A');
    });

    it('splits a tick larger than maxBatchSize into several flushes, in order', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 2, maxConcurrentFlushes: 10 });

      const outcomes = Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => sut.submit(item)));
      const calls = await Promise.all([flush.call(0), flush.call(1), flush.call(2)]);
      calls.forEach((call) => call.resolve(allOk(call.items)));

      expect(await outcomes).toEqual(['A', 'B', 'C', 'D', 'E']);
      expect(flush.calls.map((c) => c.items)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    });

    it('tells onFlush the size of every batch it flushes', async () => {
      const flush = new FakeFlush();
      const sizes: number[] = [];
      const sut = new MicroBatcher(flush.fn, {
        maxBatchSize: 2,
        maxConcurrentFlushes: 10,
        onFlush: (size) => sizes.push(size),
      });

      const outcomes = Promise.all(['a', 'b', 'c'].map((item) => sut.submit(item)));
      const calls = await Promise.all([flush.call(0), flush.call(1)]);
      calls.forEach((call) => call.resolve(allOk(call.items)));
      await outcomes;

      expect(sizes).toEqual([2, 1]);
    });

    it('runs at most maxConcurrentFlushes flushes at once', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 1, maxConcurrentFlushes: 2 });

      const outcomes = Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => sut.submit(item)));
      const [first, second] = await Promise.all([flush.call(0), flush.call(1)]);
      await afterPendingImmediates();
      expect(flush.calls).toHaveLength(2);

      first.resolve(allOk(first.items));
      const third = await flush.call(2);
      expect(flush.calls).toHaveLength(3);
      second.resolve(allOk(second.items));
      third.resolve(allOk(third.items));
      const rest = await Promise.all([flush.call(3), flush.call(4)]);
      rest.forEach((call) => call.resolve(allOk(call.items)));

      expect(await outcomes).toEqual(['A', 'B', 'C', 'D', 'E']);
      expect(flush.maxConcurrent).toBe(2);
    });

    it('batches the items that arrive while every slot is busy into the next flush', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 10, maxConcurrentFlushes: 1 });
      const first = sut.submit('a');
      const busy = await flush.call(0);

      const waiting = Promise.all(['b', 'c'].map((item) => sut.submit(item)));
      await afterPendingImmediates();
      const late = sut.submit('d');
      await afterPendingImmediates();
      expect(flush.calls).toHaveLength(1);
      busy.resolve(allOk(busy.items));
      const next = await flush.call(1);
      next.resolve(allOk(next.items));

      expect(await first).toBe('A');
      expect(await waiting).toEqual(['B', 'C']);
      expect(await late).toBe('D');
      expect(flush.calls.map((c) => c.items)).toEqual([['a'], ['b', 'c', 'd']]);
    });

    it('settles each item with its own outcome', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 10, maxConcurrentFlushes: 1 });
      const refusal = new Error('refused b');

      const outcomes = Promise.allSettled(['a', 'b', 'c'].map((item) => sut.submit(item)));
      const call = await flush.call(0);
      call.resolve([
        { ok: true, value: 'A' },
        { ok: false, error: refusal },
        { ok: true, value: 'C' },
      ]);

      expect(await outcomes).toEqual([
        { status: 'fulfilled', value: 'A' },
        { status: 'rejected', reason: refusal },
        { status: 'fulfilled', value: 'C' },
      ]);
    });

    it('rejects every item of a flush that throws, and keeps flushing afterwards', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 10, maxConcurrentFlushes: 1 });
      const boom = new Error('transaction failed');

      const failing = Promise.allSettled(['a', 'b'].map((item) => sut.submit(item)));
      (await flush.call(0)).reject(boom);
      const failed = await failing;
      const later = sut.submit('c');
      const next = await flush.call(1);
      next.resolve(allOk(next.items));
      const after = await later;

      expect(failed).toEqual([
        { status: 'rejected', reason: boom },
        { status: 'rejected', reason: boom },
      ]);
      expect(after).toBe('C');
    });

    it('rejects the items a flush returned no result for', async () => {
      const flush = new FakeFlush();
      const sut = new MicroBatcher(flush.fn, { maxBatchSize: 10, maxConcurrentFlushes: 1 });

      const outcomes = Promise.allSettled(['a', 'b', 'c'].map((item) => sut.submit(item)));
      const call = await flush.call(0);
      call.resolve([{ ok: true, value: 'A' }]);

      expect(await outcomes).toEqual([
        { status: 'fulfilled', value: 'A' },
        { status: 'rejected', reason: new Error('batch returned no result') },
        { status: 'rejected', reason: new Error('batch returned no result') },
      ]);
    });
  });
});
