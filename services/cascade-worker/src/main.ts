import { createLogger, failStartup, runMain } from '@cp/platform';
import { loadConfig } from './config';
import { startCascadeWorker } from './worker';

try {
  const config = loadConfig();
  const log = createLogger('cascade-worker', config.log.level);
  runMain(() => startCascadeWorker(config, log), {
    log,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
} catch (err) {
  failStartup(createLogger('cascade-worker', 'info'), err);
}
