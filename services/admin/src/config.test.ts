import { ConfigError, DEFAULT_DATABASE_URL } from '@cp/platform';
import { loadConfig } from './config';

describe(loadConfig.name, () => {
  it('defaults to the local Postgres', () => {
    expect(loadConfig({}).database.url).toBe(DEFAULT_DATABASE_URL);
  });

  it('honours DATABASE_URL and ignores the variables it does not use', () => {
    const sut = loadConfig({
      DATABASE_URL: 'postgresql://app@db.internal:6543/cp',
      REDIS_URL: 'not a url',
    });

    expect(sut).toEqual({ database: { url: 'postgresql://app@db.internal:6543/cp' } });
  });

  it('rejects a URL that is not a Postgres one', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://localhost/db' })).toThrow(ConfigError);
  });
});
