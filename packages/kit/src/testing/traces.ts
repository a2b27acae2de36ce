import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../tracing.js';

export type { ReadableSpan };

export interface CapturedSpans {
  /** The spans ended so far. */
  spans(): ReadableSpan[];
  stop(): Promise<void>;
}

/** The process's spans, kept in memory (the SDK's in-memory exporter) until `stop`. */
export function captureSpans(): CapturedSpans {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing('test', { processor: new SimpleSpanProcessor(exporter) })!;
  return { spans: () => exporter.getFinishedSpans(), stop: () => tracing.shutdown() };
}
