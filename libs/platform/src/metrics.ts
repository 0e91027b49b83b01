import {
  collectDefaultMetrics,
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

/** prom-client's registry, under the name the services use (no service imports prom-client). */
export { Registry as MetricsRegistry } from 'prom-client';

/**
 * A Prometheus registry for one process, with Node's process metrics (CPU, memory, event-loop
 * lag, GC) already on it. One per process, never prom-client's global one: tests build several
 * apps in one jest worker, and `npm start` hands one registry to the api and both workers.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metric registered under `config.name`, or a new one. Parts of one process that share a
 * registry (the two workers of `npm start`) thereby share a metric instead of clashing on its
 * name. @throws Error when the name is taken by a metric of another kind.
 */
function getOrCreate<M>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => M,
  create: () => M,
): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) {
    return create();
  }
  if (!(existing instanceof kind)) {
    throw new Error(`metric ${name} is already registered with another type`);
  }
  return existing;
}

/** A counter on `registry`, shared with whoever registered the same name first. */
export function counterOn<L extends string>(
  registry: Registry,
  config: Omit<CounterConfiguration<L>, 'registers'>,
): Counter<L> {
  return getOrCreate(
    registry,
    config.name,
    Counter<L>,
    () => new Counter<L>({ ...config, registers: [registry] }),
  );
}

/** A histogram on `registry`, shared with whoever registered the same name first. */
export function histogramOn<L extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  return getOrCreate(
    registry,
    config.name,
    Histogram<L>,
    () => new Histogram<L>({ ...config, registers: [registry] }),
  );
}

/** A gauge on `registry`, shared with whoever registered the same name first. */
export function gaugeOn<L extends string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  return getOrCreate(
    registry,
    config.name,
    Gauge<L>,
    () => new Gauge<L>({ ...config, registers: [registry] }),
  );
}
