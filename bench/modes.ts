import { createLogger, KafkaEventBus, type EventBus } from '@adboard/kit';
import { hasMockKafka, startMockKafka } from '@adboard/kit/testing';

/** Runs `measure` on the in-process bus, then on Kafka (librdkafka's mock cluster) when `kcat` is there. */
export async function inBothModes(
  measure: (mode: string, bus?: EventBus) => Promise<number[]>,
): Promise<void> {
  report('in-process', await measure('in-process'));
  if (!hasMockKafka()) {
    console.log('kafka        skipped: kcat (librdkafka mock cluster) is not on the PATH');
    return;
  }
  const kafka = await startMockKafka();
  const bus = new KafkaEventBus({
    brokers: [kafka.brokers],
    clientId: 'bench',
    logger: createLogger('bench', 'error'),
  });
  try {
    report('kafka', await measure('kafka', bus));
  } finally {
    await bus.close();
    await kafka.stop();
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
