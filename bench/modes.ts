import { createLogger, KafkaEventBus, type EventBus } from '@adboard/kit';
import { startKafkaCluster, type KafkaCluster } from '../packages/stack/src/kafka/cluster.js';
import { KafkaUnavailableError } from '../packages/stack/src/kafka/runtime.js';

/**
 * Runs `measure` on the in-process bus, then on Kafka: KAFKA_BROKERS, or a real 3-node cluster
 * started for the benchmark (skipped, saying why, on a machine without Java or Maven).
 */
export async function inBothModes(
  measure: (mode: string, bus?: EventBus) => Promise<number[]>,
): Promise<void> {
  report('in-process', await measure('in-process'));
  let cluster: KafkaCluster | undefined;
  try {
    if (!process.env.KAFKA_BROKERS) cluster = await startKafkaCluster();
  } catch (error) {
    if (!(error instanceof KafkaUnavailableError)) throw error;
    console.log(`kafka        skipped: ${error.message}`);
    return;
  }
  const bus = new KafkaEventBus({
    brokers: (cluster?.brokers ?? process.env.KAFKA_BROKERS!).split(','),
    clientId: 'bench',
    logger: createLogger('bench', 'error'),
  });
  try {
    report('kafka', await measure('kafka', bus));
  } finally {
    await bus.close();
    await cluster?.stop();
  }
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One line of figures: `label n=… p50 … p95 … p99 … max …`, the label padded to `width`. */
export function report(label: string, latencies: number[], width = 12, digits = 1): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(digits)} ms`;
  console.log(
    `${label.padEnd(width)} n=${sorted.length}  p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1)!)}`,
  );
}
