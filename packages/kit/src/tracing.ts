import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  currentTrace,
  newSpanId,
  newTraceId,
  parseTraceparent,
  withTrace,
  type TraceContext,
} from './trace.js';

export { SpanKind };

/**
 * The longest a stop waits for the last spans to reach the collector: an unreachable or silent one
 * (the exporter's own timeout is 10 s) must not hold a stop that promises to end within seconds.
 */
export const TRACING_STOP_TIMEOUT_MS = 1_000;

/**
 * OpenTelemetry for the process: one tracer provider, whose resource is the process (a service in
 * the distributed mode, the stack in the embedded one); each span names its service as the
 * `adboard.service` attribute. Spans go to OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
 * exporter reads the standard OTEL_EXPORTER_OTLP_* variables); without it no provider is set and
 * spans cost nothing. Tests pass their own processor (an in-memory exporter). Its shutdown never
 * takes longer than `TRACING_STOP_TIMEOUT_MS`, whatever the collector does.
 */
export function startTracing(
  processName: string,
  options: { processor?: SpanProcessor } = {},
): { shutdown(): Promise<void> } | undefined {
  const env = process.env;
  const processor =
    options.processor ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? new BatchSpanProcessor(new OTLPTraceExporter()) : undefined);
  if (!processor) return undefined;
  recording = true;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? processName }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    /** Sends the spans not yet exported, for up to `TRACING_STOP_TIMEOUT_MS`; those still unsent are dropped. */
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACING_STOP_TIMEOUT_MS)));
      // An export that failed (the collector refused or timed out) is the exporter's to report.
      await Promise.race([provider.shutdown().catch(() => undefined), bound]);
      clearTimeout(timer);
      trace.disable();
      recording = false;
    },
  };
}

let recording = false;

/** Whether spans record in this process (`startTracing` set a provider up). */
export const tracingOn = (): boolean => recording;

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The service the span belongs to; the current trace context's when absent. */
  service?: string;
  /** The parent's `traceparent` (a new trace when it is undefined or malformed); the current span when absent. */
  parent?: string | undefined;
}

const tracer = () => trace.getTracer('@adboard/kit');

/** The span every `startSpan` returns while nothing records: all its methods do nothing. */
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Starts a span under `parent` (a W3C `traceparent`), or under the current trace context when none
 * is given, and the trace context that continues it: its span id is the span's, so the
 * `traceparent` sent onwards names this span. Without a provider the span does not record and the
 * context gets a fresh span id, as before tracing.
 */
export function startSpan(name: string, options: SpanOptions = {}): { span: Span; context: TraceContext } {
  const current = currentTrace();
  const parent = 'parent' in options ? parseTraceparent(options.parent) : current;
  const service = options.service ?? current?.service;
  const continued = { ...(current ?? {}), ...(service ? { service } : {}) };
  // Nothing records (no provider): no span is made, the context gets a fresh span id, as before tracing.
  if (!recording)
    return {
      span: NOT_RECORDING,
      context: { ...continued, traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId() },
    };
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { ...parent, traceFlags: TraceFlags.SAMPLED, isRemote: true })
    : ROOT_CONTEXT;
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      attributes: { ...(service ? { 'adboard.service': service } : {}), ...options.attributes },
    },
    parentContext,
  );
  const { traceId, spanId } = span.spanContext();
  return { span, context: { ...continued, traceId, spanId } };
}

/** Ends a span with the outcome of its work: an error is recorded and marks the span failed. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
  }
  span.end();
}

/** Runs `work` in a span (see `startSpan`), inside the trace context that continues it. */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const { span, context } = startSpan(name, options);
  try {
    const result = await withTrace(context, () => work(span));
    endSpan(span);
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}
