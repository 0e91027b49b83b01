import { ConfigError } from '@cp/platform';
import { loadConfig } from './config';

describe(loadConfig.name, () => {
  it('serves the ops endpoints on 127.0.0.1:9101 by default, with no scrape token', () => {
    expect(loadConfig({}).ops).toEqual({ host: '127.0.0.1', port: 9101, metricsToken: undefined });
  });

  it('takes the host, the port (0: a free one) and the scrape token', () => {
    expect(
      loadConfig({
        REGISTRY_METRICS_HOST: '0.0.0.0',
        REGISTRY_METRICS_PORT: '0',
        METRICS_TOKEN: 'scrape-token-0123456789',
      }).ops,
    ).toEqual({ host: '0.0.0.0', port: 0, metricsToken: 'scrape-token-0123456789' });
  });

  it.each(['-1', '65536', 'ninety'])('rejects REGISTRY_METRICS_PORT %j', (port) => {
    expect(() => loadConfig({ REGISTRY_METRICS_PORT: port })).toThrow(ConfigError);
  });
});
