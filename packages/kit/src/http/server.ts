/// <reference types="@fastify/swagger" preserve="true" />
import { randomUUID } from 'node:crypto';
import { DEADLINE_HEADER } from '@adboard/contracts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import '../auth/guards.js';
import { ServiceCredentials } from '../auth/service-credentials.js';
import type { KeyValueStore } from '../kv/types.js';
import type { Logger } from '../logger.js';
import { Histogram, type Registry } from '../metrics.js';
import { deadlineFrom, traceFrom, withTrace, type TraceContext } from '../trace.js';
import { clientErrorHandler } from './client-errors.js';
import { registerDocs } from './docs.js';
import { HttpError, NotFoundError, ValidationError } from './errors.js';
import { readinessRoute, type ReadinessCheck } from './readiness.js';
import { RequestLog } from './request-log.js';
import { ErrorEnvelope } from './fields.js';
import { registerRateLimits } from './rate-limit.js';
import { registerSecurityHeaders } from './security-headers.js';
import { BODY_FIELD, convertIntegers, messages, pickKnown, validateObject } from './validation.js';

export type HttpServer = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export type { ReadinessCheck } from './readiness.js';

export interface HttpServerOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /**
   * Addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed (the entry point, the
   * ingress controller); none by default, so a client cannot choose the address it is counted by.
   */
  trustedProxies?: string[];
  /** Verifies service credentials: only a service's call may set a deadline (`x-request-deadline`). */
  serviceCredentials?: ServiceCredentials;
  /** Where rate-limit counters live (shared by replicas when it is Redis); this process when absent. */
  rateLimitStore?: KeyValueStore;
  bodyLimitBytes?: number;
  /** Serve the OpenAPI document and UI at /docs (default true). */
  docs?: boolean;
  /**
   * The level of the one line each answered request writes: `info` at the entry point, `debug` in
   * the services behind it (LOG_LEVEL=debug shows every hop), so a request costs about one line.
   */
  requestLogLevel?: 'info' | 'debug';
  /** Serve `/metrics` (default true; the entry point does not: metrics are scraped on service ports). */
  metricsRoute?: boolean;
}

/** The largest request body a service (and so the entry point) reads: 128 KiB. */
export const BODY_LIMIT_BYTES = 128 * 1024;

function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
) {
  if (body.trim() === '') return done(null, {});
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return done(new ValidationError([{ text: messages.malformedJson, field: BODY_FIELD }]));
  }
  // Every body of the API is an object: `null`, an array or a scalar is refused here, where it is
  // still told apart from a request without a body.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return done(new ValidationError([{ text: messages.object, field: BODY_FIELD }]));
  }
  done(null, parsed);
}

function renderError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    return reply.code(error.statusCode).headers(error.headers).send({ success: false, errors: error.errors });
  }
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) {
    return reply.code(413).send({ success: false, errors: [{ text: 'Request body is too large.' }] });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    request.log.info({ err: error }, 'request rejected by the HTTP layer');
    return reply.code(400).send({ success: false, errors: [{ text: 'Bad request.' }] });
  }
  if (reply.raw.destroyed) {
    // The client went away mid-answer (e.g. a load generator closing its connections): nobody to answer.
    request.log.debug({ err: error }, 'the client closed the connection before the answer');
    return reply;
  }
  request.log.error({ err: error }, 'unexpected error');
  return reply.code(500).send({ success: false, errors: [{ text: 'Internal server error' }] });
}

/**
 * The Fastify instance every service starts from: the contract's envelope for every error, JSON
 * bodies whatever the Content-Type, request ids and trace context, `/health`, `/ready`, `/metrics`,
 * and the OpenAPI document at `/docs/json` with its UI at `/docs`.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    trustProxy: options.trustedProxies?.length ? options.trustedProxies : false,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    // Errors raised before routing (a malformed URL) get the envelope too.
    frameworkErrors: (error, request, reply) => renderError(error, request, reply),
    routerOptions: { ignoreTrailingSlash: true },
    logController: new RequestLog(options.requestLogLevel ?? 'debug'),
    clientErrorHandler: clientErrorHandler(options.logger),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  app.decorateRequest('user', null);
  app.decorateRequest('caller', null);
  // The rest of the request's lifecycle runs inside its trace context (continued from `traceparent`).
  app.addHook('onRequest', (request, reply, done) => {
    const traceparent = request.headers.traceparent;
    reply.header('x-request-id', request.id);
    const trace = traceFrom(typeof traceparent === 'string' ? traceparent : undefined, request.id);
    const deadline = request.headers[DEADLINE_HEADER];
    const token = request.headers[ServiceCredentials.header];
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

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'],
    registers: [options.metrics],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });

  await registerSecurityHeaders(app);
  await registerRateLimits(app, options.rateLimitStore);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);

  app.setValidatorCompiler(({ schema, httpPart }) => {
    const objectSchema = schema as TObject;
    if (httpPart === 'params') {
      return (data) => {
        const value = convertIntegers(objectSchema, data);
        return Value.Check(objectSchema, value) ? { value } : { error: new NotFoundError() };
      };
    }
    return (data) => {
      // Fastify hands a request without a body over as null.
      const value = httpPart === 'body' ? (data ?? undefined) : convertIntegers(objectSchema, data);
      const errors = validateObject(objectSchema, value);
      if (errors.length > 0) return { error: new ValidationError(errors) };
      return { value: pickKnown(objectSchema, (value ?? {}) as Record<string, unknown>) };
    };
  });

  app.setErrorHandler((error, request, reply) => renderError(error, request, reply));
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ success: false, errors: [{ text: 'Not found' }] }),
  );

  app.addSchema(ErrorEnvelope);
  if (options.docs !== false) await registerDocs(app, options);

  app.get('/health', { schema: { hide: true } }, async () => ({ success: true }));
  readinessRoute(app, [...options.readiness]);
  if (options.metricsRoute !== false) {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics()),
    );
  }

  return app;
}
