import type { Registry } from '../../src/metrics.js';

/** The value of one sample of `name` whose labels include `labels`, or undefined when there is none. */
export async function sampleOf(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = (metric?.values ?? []).find((value) =>
    Object.entries(labels).every(([label, wanted]) => String(value.labels[label]) === wanted),
  );
  return sample?.value;
}
