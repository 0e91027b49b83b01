import { ConfigError } from '@cp/platform';
import { loadConfig } from './config';

describe(loadConfig.name, () => {
  describe('ops variables', () => {
    it('defaults to a per-process session secret, 8 h sessions, no Secure flag and no scrape token', () => {
      const sut = loadConfig({});
      expect(sut.admin).toEqual({
        sessionSecret: undefined,
        sessionTtlMs: 28_800_000,
        secureCookie: false,
      });
      expect(sut.metrics).toEqual({ token: undefined });
    });

    it('takes the variables that are set', () => {
      const sut = loadConfig({
        API_ADMIN_SESSION_SECRET: 's'.repeat(32),
        API_ADMIN_SESSION_TTL_MS: '600000',
        API_ADMIN_COOKIE_SECURE: 'true',
        METRICS_TOKEN: 'scrape-token-0123456789',
      });
      expect(sut.admin).toEqual({
        sessionSecret: 's'.repeat(32),
        sessionTtlMs: 600_000,
        secureCookie: true,
      });
      expect(sut.metrics).toEqual({ token: 'scrape-token-0123456789' });
    });

    it('lists a short secret, a short token, a tiny lifetime and a bad flag at once', () => {
      let problems: string[] = [];
      try {
        loadConfig({
          API_ADMIN_SESSION_SECRET: 'short',
          API_ADMIN_SESSION_TTL_MS: '10',
          API_ADMIN_COOKIE_SECURE: 'maybe',
          METRICS_TOKEN: 'short',
        });
      } catch (err) {
        if (!(err instanceof ConfigError)) {
          throw err;
        }
        problems = err.problems;
      }
      expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
        'API_ADMIN_COOKIE_SECURE',
        'API_ADMIN_SESSION_SECRET',
        'API_ADMIN_SESSION_TTL_MS',
        'METRICS_TOKEN',
      ]);
    });
  });
});
