/// <reference types="@fastify/swagger" preserve="true" />
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import '../auth/guards.js';
import type { Logger } from '../logger.js';
import { Histogram, type Registry } from '../metrics.js';
import { deadlineFrom, traceFrom, withTrace } from '../trace.js';
import { registerDocs } from './docs.js';
import { HttpError, NotFoundError, ValidationError } from './errors.js';
import { ErrorEnvelope } from './fields.js';
import { convertIntegers, messages, pickKnown, validateObject } from './validation.js';

export type HttpServer = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

/** A named dependency probe for `/ready`: resolves when the dependency answers. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

export interface HttpServerOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /** Number of proxies in front of the service whose X-Forwarded-For is trusted (the entry point). */
  trustProxyHops?: number;
  bodyLimitBytes?: number;
  /** Serve the OpenAPI document and UI at /docs (default true). */
  docs?: boolean;
}

const READINESS_TIMEOUT_MS = 2000;

function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
) {
  if (body.trim() === '') return done(null, {});
  try {
    done(null, JSON.parse(body));
  } catch {
    done(new ValidationError([{ text: messages.malformedJson, field: 'body' }]));
  }
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
    bodyLimit: options.bodyLimitBytes ?? 128 * 1024,
    trustProxy: (_address: string, hop: number) => hop < (options.trustProxyHops ?? 1),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    // Errors raised before routing (a malformed URL) get the envelope too.
    frameworkErrors: (error, request, reply) => renderError(error, request, reply),
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  app.decorateRequest('user', null);
  app.decorateRequest('caller', null);
  // The rest of the request's lifecycle runs inside its trace context (continued from `traceparent`).
  app.addHook('onRequest', (request, reply, done) => {
    const traceparent = request.headers.traceparent;
    reply.header('x-request-id', request.id);
    const trace = traceFrom(typeof traceparent === 'string' ? traceparent : undefined, request.id);
    const deadline = deadlineFrom(request.headers['x-request-deadline'] as string | undefined);
    withTrace(deadline === undefined ? trace : { ...trace, deadline }, done);
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
      const value = httpPart === 'body' ? data : convertIntegers(objectSchema, data);
      const errors = validateObject(objectSchema, value);
      if (errors.length > 0) return { error: new ValidationError(errors) };
      return { value: pickKnown(objectSchema, value as Record<string, unknown>) };
    };
  });

  app.setErrorHandler((error, request, reply) => renderError(error, request, reply));
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ success: false, errors: [{ text: 'Not found' }] }),
  );

  app.addSchema(ErrorEnvelope);
  if (options.docs !== false) await registerDocs(app, options);

  app.get('/health', { schema: { hide: true } }, async () => ({ success: true }));
  app.get('/ready', { schema: { hide: true } }, async (request, reply) => {
    const failures: string[] = [];
    await Promise.all(
      options.readiness.map(async ({ name, check }) => {
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('timeout')), READINESS_TIMEOUT_MS).unref(),
            ),
          ]);
        } catch (error) {
          request.log.warn({ err: error, dependency: name }, 'readiness check failed');
          failures.push(name);
        }
      }),
    );
    if (failures.length === 0) return { success: true };
    return reply
      .code(503)
      .send({ success: false, errors: failures.map((name) => ({ text: `${name} is unavailable` })) });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics()),
  );

  return app;
}
