import { createLogger, failStartup, runMain } from '@cp/platform';
import { loadConfig } from './config';
import { startApi } from './server';

const log = createLogger('api', 'info');
try {
  const config = loadConfig();
  const serviceLog = createLogger('api', config.log.level);
  runMain(() => startApi(config, serviceLog), {
    log: serviceLog,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
} catch (err) {
  failStartup(log, err);
}
