import { type Logger, type MetricsRegistry, type Probe, startOpsServer } from '@cp/platform';
import type { RunningWorker } from './worker';

/** How a worker service runs inside its process. */
export interface WorkerProcessOptions {
  /**
   * The process's metrics registry. Default: a new one with Node's process metrics. `npm start`
   * hands one registry to the api and both workers.
   */
  metrics?: MetricsRegistry;
  /**
   * Serve `/metrics`, `/healthz` and `/readyz` on the worker's own port (default true). `npm
   * start` turns it off: its api serves the one registry and folds the workers into `/readyz`.
   */
  serveOps?: boolean;
}

/** A worker service as its process runs it. */
export interface RunningWorkerProcess extends RunningWorker {
  /** Where the ops endpoints are served, when they are. */
  opsUrl: string | undefined;
}

/** Where a worker serves `/metrics`, `/healthz` and `/readyz`, and the scrape token if any. */
export interface WorkerOpsConfig {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly metricsToken?: string;
}

/** Options of {@link serveWorkerOps}. */
export interface ServeWorkerOpsOptions {
  ops: WorkerOpsConfig;
  /** The variable that sets the port (named when it is taken). */
  portVariable: string;
  metrics: MetricsRegistry;
  /** The dependencies' probes; the worker's own (`worker`: taking jobs) is added. */
  probes: Record<string, Probe>;
  serve: boolean;
  log: Logger;
}

/** A readiness probe that passes while `worker` takes jobs (not while starting or stopping). */
export function takingJobsProbe(worker: Pick<RunningWorker, 'isTakingJobs'>): Probe {
  return () =>
    worker.isTakingJobs()
      ? Promise.resolve()
      : Promise.reject(new Error('not taking jobs (starting or stopping)'));
}

/** How long each readiness probe of a worker may take. */
const READINESS_TIMEOUT_MS = 1_000;

/**
 * Starts the worker's ops server (see `startOpsServer`) unless `serve` is false, and returns
 * the worker with a `stop()` that drains the worker first and closes the ops server last, so
 * `/healthz` answers and `/readyz` says `worker: down` while active jobs finish. When the port
 * cannot be listened on, the worker is stopped and the start fails.
 */
export async function serveWorkerOps(
  running: RunningWorker,
  opts: ServeWorkerOpsOptions,
): Promise<RunningWorkerProcess> {
  if (!opts.serve) {
    return { ...running, opsUrl: undefined };
  }
  const probes: Record<string, Probe> = { ...opts.probes, worker: takingJobsProbe(running) };
  let server;
  try {
    server = await startOpsServer({
      host: opts.ops.host,
      port: opts.ops.port,
      portVariable: opts.portVariable,
      registry: opts.metrics,
      probes,
      readinessTimeoutMs: READINESS_TIMEOUT_MS,
      metricsToken: opts.ops.metricsToken,
      log: opts.log,
    });
  } catch (err) {
    await running.stop();
    throw err;
  }
  const ops = server;
  return {
    worker: running.worker,
    isTakingJobs: () => running.isTakingJobs(),
    opsUrl: ops.url,
    stop: async () => {
      try {
        await running.stop();
      } finally {
        await ops.stop();
      }
    },
  };
}
