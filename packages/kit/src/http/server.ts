/// <reference types="@fastify/swagger" preserve="true" />
import { randomUUID } from 'node:crypto';
import { REQUEST_ID_HEADER } from '@adboard/contracts';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { KeyValueStore } from '../kv/types.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../metrics.js';
import type { CallerCredentials } from '../request-context.js';
import { clientErrorHandler } from './client-errors.js';
import { crossSiteRequests } from './cross-site-requests.js';
import { docs } from './docs.js';
import { envelope, renderError } from './envelope.js';
import { health } from './health.js';
import { parsing } from './parsing.js';
import { rateLimits } from './rate-limit.js';
import type { ReadinessCheck } from './readiness.js';
import { RequestLog } from './request-log.js';
import { requestMetrics } from './request-metrics.js';
import { routeAccess, type RouteAccessOptions } from './route-access.js';
import { securityHeaders } from './security-headers.js';
import { traceContext } from './trace-context.js';

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
  /**
   * Origins besides the request's own whose pages may send state-changing requests
   * (`ALLOWED_ORIGINS`); a browser's from any other site is refused with 403.
   */
  allowedOrigins?: readonly string[];
  /** Verifies service credentials: only a service's call may set a deadline (`x-request-deadline`). */
  serviceCredentials?: Pick<CallerCredentials, 'verify'>;
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
  /** The guards behind the routes' declared access (`config: { access }`); without them only `public`. */
  guardFor?: RouteAccessOptions['guardFor'];
}

/** The largest request body a service (and so the entry point) reads: 128 KiB. */
export const BODY_LIMIT_BYTES = 128 * 1024;

/**
 * The Fastify instance every service starts from: the contract's envelope for every error, JSON
 * bodies whatever the Content-Type (and so no state-changing request from another site's page),
 * request ids and trace context, `/health`, `/ready`, `/metrics`, and the OpenAPI document at
 * `/docs/json` with its UI at `/docs`.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    trustProxy: options.trustedProxies?.length ? options.trustedProxies : false,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    forceCloseConnections: 'idle',
    // While stopping, a request that arrives on a kept-alive connection (the entry point's, an
    // ingress's) is served, not refused with a bare 503: the answer carries Connection: close, so
    // the client's next request goes to a listener still open — a rolling update's new pod.
    return503OnClosing: false,
    // Errors raised before routing (a malformed URL) get the envelope too.
    frameworkErrors: (error, request, reply) => renderError(error, request, reply),
    routerOptions: { ignoreTrailingSlash: true },
    logController: new RequestLog(options.requestLogLevel ?? 'debug'),
    clientErrorHandler: clientErrorHandler(options.logger),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  // Plugins that add hooks come before those that add routes: a route takes the hooks there are.
  await app.register(traceContext, {
    serviceCredentials: options.serviceCredentials,
    service: options.service,
  });
  await app.register(securityHeaders);
  await app.register(crossSiteRequests, { allowedOrigins: options.allowedOrigins });
  await app.register(rateLimits, { store: options.rateLimitStore, metrics: options.metrics });
  await app.register(parsing);
  await app.register(envelope);
  await app.register(routeAccess, options.guardFor ? { guardFor: options.guardFor } : {});
  await app.register(requestMetrics, { metrics: options.metrics, metricsRoute: options.metricsRoute });
  if (options.docs !== false) await app.register(docs, options);
  await app.register(health, { readiness: options.readiness });
  return app;
}
