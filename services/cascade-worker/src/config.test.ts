import { loadConfig } from './config';

describe(loadConfig.name, () => {
  it('serves the ops endpoints on 127.0.0.1:9102 by default, beside the registry worker', () => {
    expect(loadConfig({}).ops).toEqual({ host: '127.0.0.1', port: 9102, metricsToken: undefined });
  });

  it('takes the host, the port and the scrape token', () => {
    expect(
      loadConfig({
        CASCADE_METRICS_HOST: '0.0.0.0',
        CASCADE_METRICS_PORT: '19102',
        METRICS_TOKEN: 'scrape-token-0123456789',
      }).ops,
    ).toEqual({ host: '0.0.0.0', port: 19102, metricsToken: 'scrape-token-0123456789' });
  });
});
