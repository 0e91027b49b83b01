import { counterOn, gaugeOn, histogramOn, MetricsRegistry } from '@cp/platform';

describe('metrics', () => {
  describe(counterOn.name, () => {
    it('hands the second caller the metric the first registered, so parts of a process share it', async () => {
      const registry = new MetricsRegistry();
      const config = { name: 'cp_test_total', help: 'test', labelNames: ['kind'] as const };
      const first = counterOn(registry, config);
      const second = counterOn(registry, config);

      first.inc({ kind: 'a' });
      second.inc({ kind: 'a' });

      expect(second).toBe(first);
      expect(await registry.getSingleMetricAsString('cp_test_total')).toContain(
        'cp_test_total{kind="a"} 2',
      );
    });

    it('refuses a name taken by another kind of metric', () => {
      const registry = new MetricsRegistry();
      gaugeOn(registry, { name: 'cp_test', help: 'test' });
      expect(() => histogramOn(registry, { name: 'cp_test', help: 'test' })).toThrow(
        'metric cp_test is already registered with another type',
      );
    });

    it('keeps registries apart (tests build several apps)', () => {
      const config = { name: 'cp_test_total', help: 'test' };
      expect(counterOn(new MetricsRegistry(), config)).not.toBe(
        counterOn(new MetricsRegistry(), config),
      );
    });
  });
});
