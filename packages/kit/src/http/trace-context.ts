import fp from 'fastify-plugin';
import { DEADLINE_HEADER, REQUEST_ID_HEADER, SERVICE_TOKEN_HEADER } from '@adboard/contracts';
import type { CallerCredentials } from '../request-context.js';
import { deadlineFrom, traceFrom, withTrace, type TraceContext } from '../trace.js';

export interface TraceContextOptions {
  /** Verifies service credentials: only a service's call may set a deadline (`x-request-deadline`). */
  serviceCredentials?: Pick<CallerCredentials, 'verify'>;
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
    app.addHook('onRequest', (request, reply, done) => {
      const traceparent = request.headers.traceparent;
      reply.header(REQUEST_ID_HEADER, request.id);
      const trace = traceFrom(typeof traceparent === 'string' ? traceparent : undefined, request.id);
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
