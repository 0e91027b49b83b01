import { TtlCache } from './ttl-cache';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe(TtlCache.name, () => {
  describe('get', () => {
    it('returns a value until its time to live has passed', () => {
      const clock = manualClock();
      const sut = new TtlCache<string, number>(5_000, 10, clock.now);
      sut.set('a', 1);

      clock.advance(4_999);

      expect(sut.get('a')).toBe(1);
    });

    it('forgets a value once its time to live has passed, and frees its slot', () => {
      const clock = manualClock();
      const sut = new TtlCache<string, number>(5_000, 10, clock.now);
      sut.set('a', 1);

      clock.advance(5_000);

      expect(sut.get('a')).toBeUndefined();
      expect(sut.size).toBe(0);
    });

    it('returns undefined for a key never set', () => {
      const sut = new TtlCache<string, number>(5_000, 10, manualClock().now);

      expect(sut.get('missing')).toBeUndefined();
    });

    it('keeps falsy values apart from absent ones', () => {
      const sut = new TtlCache<string, number | null>(5_000, 10, manualClock().now);
      sut.set('zero', 0);
      sut.set('null', null);

      expect(sut.get('zero')).toBe(0);
      expect(sut.get('null')).toBeNull();
    });
  });

  describe('set', () => {
    it('restarts the time to live of a key set again', () => {
      const clock = manualClock();
      const sut = new TtlCache<string, number>(5_000, 10, clock.now);
      sut.set('a', 1);
      clock.advance(4_000);

      sut.set('a', 2);
      clock.advance(4_000);

      expect(sut.get('a')).toBe(2);
    });

    it('evicts the oldest insertion once the bound is reached', () => {
      const sut = new TtlCache<string, number>(5_000, 3, manualClock().now);
      sut.set('a', 1);
      sut.set('b', 2);
      sut.set('c', 3);

      sut.set('d', 4);

      expect(sut.size).toBe(3);
      expect(sut.get('a')).toBeUndefined();
      expect([sut.get('b'), sut.get('c'), sut.get('d')]).toEqual([2, 3, 4]);
    });

    it('counts a key set again as the newest, so it is not the one evicted', () => {
      const sut = new TtlCache<string, number>(5_000, 2, manualClock().now);
      sut.set('a', 1);
      sut.set('b', 2);
      sut.set('a', 10);

      sut.set('c', 3);

      expect(sut.get('b')).toBeUndefined();
      expect(sut.get('a')).toBe(10);
      expect(sut.get('c')).toBe(3);
    });

    it('does not evict when setting a key it already holds at the bound', () => {
      const sut = new TtlCache<string, number>(5_000, 2, manualClock().now);
      sut.set('a', 1);
      sut.set('b', 2);

      sut.set('b', 20);

      expect(sut.size).toBe(2);
      expect(sut.get('a')).toBe(1);
    });
  });
});
