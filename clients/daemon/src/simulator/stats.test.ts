import { formatSummary, percentile, SimulationStats, summarizeLatencies } from './stats';

describe(percentile.name, () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank', () => {
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 0)).toBe(1);
  });

  it('is 0 without values', () => {
    expect(percentile([], 50)).toBe(0);
  });
});

describe(summarizeLatencies.name, () => {
  it('sorts before ranking', () => {
    expect(summarizeLatencies([30, 10, 20])).toEqual({
      count: 3,
      p50: 20,
      p95: 30,
      p99: 30,
      max: 30,
    });
  });
});

describe(SimulationStats.name, () => {
  it('counts statuses by route, rows, rates and distinct errors', () => {
    const sut = new SimulationStats();
    sut.recordResponse('register', 503, 4);
    sut.recordResponse('register', 200, 12);
    sut.recordResponse('register', 202, 5);
    sut.recordResponse('operation', 200, 3);
    sut.recordResponse('register', 'network');
    sut.recordRegistered(4, 40, false);
    sut.recordRegistered(4, 80, true);
    sut.recordFailed('registration failed after 3 attempts: ECONNREFUSED');
    sut.accepted202 = 1;

    const summary = sut.summary(3, 2_000);

    expect(summary).toMatchObject({
      daemons: 3,
      registered: 2,
      failed: 1,
      runtimeRows: 8,
      registrationsPerSecond: 1,
      runtimeRowsPerSecond: 4,
      accepted202: 1,
      followed202ToCompletion: 1,
      statusCodes: {
        register: { '200': 1, '202': 1, '503': 1, network: 1 },
        operation: { '200': 1 },
      },
      registerRequestLatencyMs: { count: 3, p50: 5, max: 12 },
      errors: { 'registration failed after 3 attempts: ECONNREFUSED': 1 },
    });
    expect(formatSummary(summary)).toContain('register: 200×1 202×1 503×1 network×1');
  });
});
