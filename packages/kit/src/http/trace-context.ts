import fp from 'fastify-plugin';
import { DEADLINE_HEADER, REQUEST_ID_HEADER, SERVICE_TOKEN_HEADER } from '@adboard/contracts';
import type { CallerCredentials } from '../request-context.js';
import type { Span } from '@opentelemetry/api';
import { deadlineFrom, withTrace, type TraceContext } from '../trace.js';
import { endSpan, SpanKind, startSpan } from '../tracing.js';

export interface TraceContextOptions {
  /** Verifies service credentials: only a service's call may set a deadline (`x-request-deadline`). */
  serviceCredentials?: Pick<CallerCredentials, 'verify'>;
  /** The service answering, named on each request's span. */
  service?: string;
}

/**
 * The rest of each request's lifecycle runs inside its trace context (continued from
 * `traceparent`, with the request id, echoed as `x-request-id`); the request starts with no user
 * and no caller until a guard proves one.
 */
export const traceContext = fp<TraceContextOptions>(
  async (app, options) => {
    app.decorateRequest('user', null);
    app.decorateRequest('caller', null);
    const spans = new WeakMap<object, Span>();
    app.addHook('onResponse', (request, reply, done) => {
      const span = spans.get(request);
      spans.delete(request);
      if (span) {
        const route = request.routeOptions.url;
        if (route) span.updateName(`${request.method} ${route}`);
        span.setAttributes({ 'http.response.status_code': reply.statusCode, 'http.route': route ?? '' });
        endSpan(span, reply.statusCode >= 500 ? new Error(`answered ${reply.statusCode}`) : undefined);
      }
      done();
    });
    // A client that went away before the answer gets no onResponse: its span ends here.
    app.addHook('onRequestAbort', (request, done) => {
      spans.get(request)?.end();
      spans.delete(request);
      done();
    });
    app.addHook('onRequest', (request, reply, done) => {
      const traceparent = request.headers.traceparent;
      reply.header(REQUEST_ID_HEADER, request.id);
      const { span, context } = startSpan(request.method, {
        kind: SpanKind.SERVER,
        parent: typeof traceparent === 'string' ? traceparent : undefined,
        attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0] },
        ...(options.service ? { service: options.service } : {}),
      });
      spans.set(request, span);
      const trace: TraceContext = { ...context, requestId: request.id };
      const deadline = request.headers[DEADLINE_HEADER];
      const token = request.headers[SERVICE_TOKEN_HEADER];
      if (typeof deadline !== 'string' || typeof token !== 'string' || !options.serviceCredentials) {
        return withTrace(trace, done);
      }
      // A deadline makes the service give up work: only a caller proving it is a service may set one.
      const withDeadline = (context: TraceContext) => withTrace(context, done);
      options.serviceCredentials.verify(token).then(
        () => {
          const at = deadlineFrom(deadline);
          withDeadline(at === undefined ? trace : { ...trace, deadline: at });
        },
        () => withDeadline(trace),
      );
    });
  },
  { name: 'trace-context', fastify: '5.x' },
);
