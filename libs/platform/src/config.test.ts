import {
  ConfigError,
  DEFAULT_DATABASE_URL,
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_REDIS_URL,
  envFlag,
  envInt,
  loadSharedConfig,
  parseEnv,
  type Env,
} from '@cp/platform';
import { z } from 'zod';

/** The ConfigError `fn` throws; fails when it returns. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a ConfigError, but the environment parsed');
}

describe('config', () => {
  describe(parseEnv.name, () => {
    const schema = z.object({
      SERVICE_NAME: z.string().default('api'),
      PORT: envInt(8080),
      VERBOSE: envFlag(false),
    });
    const sut = (env: Env) => parseEnv(schema, env);

    it('fills every unset variable with its default', () => {
      expect(sut({})).toEqual({ SERVICE_NAME: 'api', PORT: 8080, VERBOSE: false });
    });

    it('counts an empty string as unset', () => {
      expect(sut({ SERVICE_NAME: '', PORT: '', VERBOSE: '' })).toEqual({
        SERVICE_NAME: 'api',
        PORT: 8080,
        VERBOSE: false,
      });
    });

    it('parses the variables that are set and ignores unknown ones', () => {
      expect(sut({ SERVICE_NAME: 'worker', PORT: '9090', VERBOSE: 'yes', HOME: '/root' })).toEqual({
        SERVICE_NAME: 'worker',
        PORT: 9090,
        VERBOSE: true,
      });
    });

    it('throws one ConfigError listing every bad variable', () => {
      const err = configErrorOf(() => sut({ PORT: '0', VERBOSE: 'maybe', SERVICE_NAME: 'ok' }));

      expect(err.name).toBe('ConfigError');
      expect(err.problems).toHaveLength(2);
      expect(err.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
        'PORT',
        'VERBOSE',
      ]);
      expect(err.message).toMatch(/^invalid configuration: /);
      for (const problem of err.problems) {
        expect(err.message).toContain(problem);
      }
    });
  });

  describe(envFlag.name, () => {
    const sut = (value: string | undefined, defaultValue = false) =>
      parseEnv(z.object({ FLAG: envFlag(defaultValue) }), { FLAG: value }).FLAG;

    it.each(['true', '1', 'yes', 'on', 'TRUE', ' Yes '])('reads %j as true', (value) => {
      expect(sut(value)).toBe(true);
    });

    it.each(['false', '0', 'no', 'off', 'False', 'NO'])('reads %j as false', (value) => {
      expect(sut(value, true)).toBe(false);
    });

    it('uses the default when unset or empty', () => {
      expect(sut(undefined, true)).toBe(true);
      expect(sut('', true)).toBe(true);
      expect(sut(undefined, false)).toBe(false);
    });

    it.each(['maybe', '2', 'yep'])('rejects %j, naming the variable', (value) => {
      const err = configErrorOf(() => sut(value));

      expect(err.problems).toEqual([expect.stringMatching(/^FLAG: expected one of true, 1, /)]);
    });
  });

  describe(loadSharedConfig.name, () => {
    it('defaults to the local Postgres and Redis and the {cp} prefix', () => {
      expect(loadSharedConfig({})).toEqual({
        database: { url: 'postgres://postgres@127.0.0.1:5432/postgres' },
        redis: { url: 'redis://127.0.0.1:6379' },
        queue: { prefix: '{cp}' },
        log: { level: 'info' },
        shutdownTimeoutMs: 25_000,
      });
      expect([DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, DEFAULT_QUEUE_PREFIX]).toEqual([
        'postgres://postgres@127.0.0.1:5432/postgres',
        'redis://127.0.0.1:6379',
        '{cp}',
      ]);
    });

    it('takes the variables that are set', () => {
      expect(
        loadSharedConfig({
          DATABASE_URL: 'postgresql://app@db:5432/control',
          REDIS_URL: 'rediss://cache:6380',
          QUEUE_PREFIX: '{tenant-1}',
          LOG_LEVEL: 'debug',
          SHUTDOWN_TIMEOUT_MS: '1000',
        }),
      ).toEqual({
        database: { url: 'postgresql://app@db:5432/control' },
        redis: { url: 'rediss://cache:6380' },
        queue: { prefix: '{tenant-1}' },
        log: { level: 'debug' },
        shutdownTimeoutMs: 1000,
      });
    });

    it.each(['cp', '{cp', 'cp}', '{}', '{c p}'])(
      'rejects QUEUE_PREFIX %j, which is not a hash tag',
      (prefix) => {
        const err = configErrorOf(() => loadSharedConfig({ QUEUE_PREFIX: prefix }));

        expect(err.problems).toEqual([
          'QUEUE_PREFIX: must be a Redis Cluster hash tag such as {cp}',
        ]);
      },
    );

    it('lists every bad shared variable at once', () => {
      const err = configErrorOf(() =>
        loadSharedConfig({
          DATABASE_URL: 'mysql://db/control',
          REDIS_URL: 'http://cache',
          QUEUE_PREFIX: 'cp',
          LOG_LEVEL: 'loud',
          SHUTDOWN_TIMEOUT_MS: 'soon',
        }),
      );

      expect(err.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
        'DATABASE_URL',
        'LOG_LEVEL',
        'QUEUE_PREFIX',
        'REDIS_URL',
        'SHUTDOWN_TIMEOUT_MS',
      ]);
    });
  });
});
