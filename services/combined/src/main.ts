/**
 * `npm start`: the api and both workers in one process, for development and the demo. Same code
 * and queues as the separate services; migrations run before this (see the root package.json).
 */
import { loadApiConfig, startApi } from '@cp/api';
import { loadCascadeWorkerConfig, startCascadeWorker } from '@cp/cascade-worker';
import { createLogger, failStartup, runMain, type Stoppable } from '@cp/platform';
import { loadRegistryWorkerConfig, startRegistryWorker } from '@cp/registry-worker';

async function startAll(): Promise<Stoppable> {
  const apiConfig = loadApiConfig();
  const registryConfig = loadRegistryWorkerConfig();
  const cascadeConfig = loadCascadeWorkerConfig();
  const started: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse start order: the api stops taking requests before the workers drain.
    for (const part of started.reverse()) {
      await part.stop();
    }
  };
  try {
    started.push(
      await startCascadeWorker(
        cascadeConfig,
        createLogger('cascade-worker', cascadeConfig.log.level),
      ),
    );
    started.push(
      await startRegistryWorker(
        registryConfig,
        createLogger('registry-worker', registryConfig.log.level),
      ),
    );
    started.push(await startApi(apiConfig, createLogger('api', apiConfig.log.level)));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { stop: stopAll };
}

const log = createLogger('combined', 'info');
try {
  runMain(startAll, { log, shutdownTimeoutMs: loadApiConfig().shutdownTimeoutMs });
} catch (err) {
  failStartup(log, err);
}
