import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** The registry that carries this process's metrics (CPU, memory, event loop…), set by the first service. */
let processRegistry: Registry | undefined;

/**
 * Each service owns a registry, so six services in one process never share or clash on metrics.
 * The process's own metrics go to the first registry of the process only: in the embedded mode six
 * services share one process, and one copy of its CPU and memory is the truth.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (!processRegistry) {
    processRegistry = registry;
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}

/**
 * A gauge whose samples are read when scraped, the first of its name in `registry` (a second call
 * with the same name, e.g. from another consumer of the same service, adds its `read` to it).
 * `read` returns every sample, so a value that dropped to 0 is exported as 0, not left out.
 */
export function readOnScrape<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[] },
  read: () => Promise<{ labels: Partial<Record<L, string>>; value: number }[]>,
): void {
  const existing = readers.get(registry)?.get(config.name);
  if (existing) {
    existing.push(read);
    return;
  }
  const reads = [read];
  if (!readers.has(registry)) readers.set(registry, new Map());
  readers.get(registry)!.set(config.name, reads as Reader[]);
  new Gauge({
    ...config,
    registers: [registry],
    async collect() {
      // A source that cannot be read now (the database is down) leaves its samples out of this scrape.
      const samples = (await Promise.all(reads.map((r) => r().catch(() => [])))).flat();
      this.reset();
      for (const sample of samples) this.set(sample.labels, sample.value);
    },
  });
}

type Reader = () => Promise<{ labels: Partial<Record<string, string>>; value: number }[]>;
const readers = new WeakMap<Registry, Map<string, Reader[]>>();
