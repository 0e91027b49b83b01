import { createLogger, failStartup, runMain } from '@cp/platform';
import { loadConfig } from './config';
import { startRegistryWorker } from './worker';

try {
  const config = loadConfig();
  const log = createLogger('registry-worker', config.log.level);
  runMain(() => startRegistryWorker(config, log), {
    log,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
} catch (err) {
  failStartup(createLogger('registry-worker', 'info'), err);
}
