/**
 * `npm start`: the api and both workers in one process, for development and the demo. Same code
 * and queues as the separate services; migrations run before this (see the root package.json).
 *
 * Ops surface: one metrics registry for the process, served by the api's `/metrics` on
 * `API_PORT` (HTTP, queue and job metrics and the process metrics once); the workers' own ports
 * (`REGISTRY_METRICS_PORT`, `CASCADE_METRICS_PORT`) stay closed, and their readiness joins the
 * api's `/readyz` as `registry-worker` and `cascade-worker`.
 */
import { loadApiConfig, startApi } from '@cp/api';
import { loadCascadeWorkerConfig, startCascadeWorker } from '@cp/cascade-worker';
import {
  createLogger,
  createMetricsRegistry,
  failStartup,
  runMain,
  type Stoppable,
} from '@cp/platform';
import { takingJobsProbe } from '@cp/queue';
import { loadRegistryWorkerConfig, startRegistryWorker } from '@cp/registry-worker';

async function startAll(): Promise<Stoppable> {
  const apiConfig = loadApiConfig();
  const registryConfig = loadRegistryWorkerConfig();
  const cascadeConfig = loadCascadeWorkerConfig();
  const metrics = createMetricsRegistry();
  const started: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    // Reverse start order: the api stops taking requests before the workers drain.
    for (const part of started.reverse()) {
      await part.stop();
    }
  };
  try {
    const cascade = await startCascadeWorker(
      cascadeConfig,
      createLogger('cascade-worker', cascadeConfig.log.level),
      { metrics, serveOps: false },
    );
    started.push(cascade);
    const registry = await startRegistryWorker(
      registryConfig,
      createLogger('registry-worker', registryConfig.log.level),
      { metrics, serveOps: false },
    );
    started.push(registry);
    started.push(
      await startApi(apiConfig, createLogger('api', apiConfig.log.level), {
        metrics,
        probes: {
          'registry-worker': takingJobsProbe(registry),
          'cascade-worker': takingJobsProbe(cascade),
        },
      }),
    );
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
