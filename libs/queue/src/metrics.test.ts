import { MetricsRegistry } from '@cp/platform';
import { createJobMetrics, JOB_OUTCOME_LABELS, jobOutcomeLabel } from './metrics';

describe('job metrics', () => {
  describe(jobOutcomeLabel.name, () => {
    it.each([
      ['runtime.register', 'succeeded', 'registered'],
      ['runtime.register', 'refused', 'refused'],
      ['profile.delete', 'succeeded', 'deleted'],
      ['profile.delete', 'refused', 'delete_refused'],
      ['runtime.delete', 'refused', 'delete_refused'],
      ['profile.sweep-deletions', 'succeeded', 'swept'],
      ['runtime.register', 'retried', 'retried'],
      ['profile.delete', 'failed', 'failed'],
      ['no.such-job', 'succeeded', 'succeeded'],
    ] as const)('labels %s %s as %s', (name, end, label) => {
      expect(jobOutcomeLabel(name, end)).toBe(label);
    });

    it('has labels for every job of the catalog', () => {
      expect(Object.keys(JOB_OUTCOME_LABELS).sort()).toEqual([
        'profile.delete',
        'profile.sweep-deletions',
        'runtime.delete',
        'runtime.register',
      ]);
    });
  });

  describe(createJobMetrics.name, () => {
    it('counts runs and their durations by queue, job name and outcome', async () => {
      const registry = new MetricsRegistry();
      const sut = createJobMetrics(registry);

      sut.observe('cascade', 'profile.delete', 'refused', 0.2);
      sut.observe('cascade', 'profile.delete', 'refused', 0.3);
      sut.observe('cascade', 'stray.job', 'failed', 0.01);

      const text = await registry.metrics();
      expect(text).toContain(
        'cp_jobs_total{queue="cascade",name="profile.delete",outcome="delete_refused"} 2',
      );
      expect(text).toContain(
        'cp_job_duration_seconds_sum{queue="cascade",name="profile.delete",outcome="delete_refused"} 0.5',
      );
      // A name outside the catalog cannot add series.
      expect(text).toContain('cp_jobs_total{queue="cascade",name="unknown",outcome="failed"} 1');
    });
  });
});
