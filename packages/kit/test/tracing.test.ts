import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpServer } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';
import { createMetricsRegistry } from '../src/metrics.js';
import { FaultProxy } from '../src/testing/fault-proxy.js';
import { captureSpans } from '../src/testing/traces.js';
import { currentTrace } from '../src/trace.js';
import { inSpan, SpanKind, startSpan, startTracing, TRACING_STOP_TIMEOUT_MS } from '../src/tracing.js';

const caller = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
const callerTraceparent = `00-${caller.traceId}-${caller.spanId}-01`;

describe('tracing', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: spans do not record, the trace id still carries on', () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', '');
    expect(startTracing('test')).toBeUndefined();
    const { span, context } = startSpan('work', { parent: callerTraceparent });
    expect(span.isRecording()).toBe(false);
    expect(context.traceId).toBe(caller.traceId);
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe(caller.spanId);
  });

  it('exports spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const received: { path?: string; bytes: number }[] = [];
    const receiver: Server = createServer((request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => {
        received.push({ path: request.url, bytes });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', `http://127.0.0.1:${port}`);
      const tracing = startTracing('test');
      expect(tracing).toBeDefined();
      await inSpan('work', { service: 'app-test' }, async () => undefined);
      await tracing!.shutdown(); // flushes the batch
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/v1/traces');
      expect(received[0]!.bytes).toBeGreaterThan(0);
    } finally {
      receiver.close();
    }
  });

  it('stops within its bound when the collector accepts connections and never answers', async () => {
    const collector = (await FaultProxy.start('http://127.0.0.1:1')).inject('/', 'hang', Infinity);
    try {
      vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', collector.url);
      const tracing = startTracing('test')!;
      await inSpan('work', { service: 'app-test' }, async () => undefined);
      const started = Date.now();
      await expect(tracing.shutdown()).resolves.toBeUndefined(); // the spans it could not deliver are dropped
      const stoppedMs = Date.now() - started;
      console.log(`[tracing] stop with a silent collector: ${stoppedMs} ms`);
      expect(collector.requestsTo('/v1/traces')).toBe(1);
      expect(stoppedMs).toBeLessThan(TRACING_STOP_TIMEOUT_MS + 500);
    } finally {
      await collector.stop();
    }
  }, 20_000);

  it("gives each request a server span under the caller's traceparent, in whose context the handler runs", async () => {
    const captured = captureSpans();
    const app = await createHttpServer({
      service: 'app-test',
      logger: createLogger('app-test', 'silent'),
      metrics: createMetricsRegistry('app-test'),
      readiness: [],
      docs: false,
    });
    app.get('/work/:id', async () => ({ data: currentTrace() }));
    try {
      const response = await app.inject({ url: '/work/7', headers: { traceparent: callerTraceparent } });
      const [span] = captured.spans();
      expect(span).toBeDefined();
      expect(span!.name).toBe('GET /work/:id');
      expect(span!.kind).toBe(SpanKind.SERVER);
      expect(span!.attributes).toMatchObject({
        'adboard.service': 'app-test',
        'http.response.status_code': 200,
      });
      expect(span!.spanContext().traceId).toBe(caller.traceId);
      expect(span!.parentSpanContext?.spanId).toBe(caller.spanId);
      expect(response.json().data).toMatchObject({
        traceId: caller.traceId,
        spanId: span!.spanContext().spanId,
        service: 'app-test',
      });
    } finally {
      await app.close();
      await captured.stop();
    }
  });
});
