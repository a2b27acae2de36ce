import {
  IDEMPOTENCY_KEY_ALIAS_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  REPLAYED_HEADER,
  REQUEST_ID_HEADER,
} from '@adboard/contracts';
import {
  BODY_LIMIT_BYTES,
  createHttpServer,
  createMetricsRegistry,
  NotFoundError,
  inSpan,
  outgoingTraceparent,
  SpanKind,
  Service,
  ServiceUnavailableError,
  UnauthorizedError,
  type HttpServer,
  type Logger,
  type ReadinessCheck,
} from '@adboard/kit';
import { Readable } from 'node:stream';
import cors from '@fastify/cors';
import replyFrom from '@fastify/reply-from';
import { docsIndexRoute } from './docs-index.js';
import { createForwardAuth, type ForwardAuth } from './forward-auth.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.js';
import { parseRequestTarget } from './request-target.js';
import { classifyRoute, isServiceName, type ServiceName } from './route-rules.js';
import { serveWebFrontEnd } from './web-front-end.js';

export interface GatewayOptions {
  /** Base URL of each service; a service without one answers 404. */
  upstreams: Partial<Record<ServiceName, string>>;
  logger: Logger;
  /** Forward-auth sub-request timeout (default 2000 ms). */
  authTimeoutMs?: number;
  /** Wait for an upstream's response headers, and between its body chunks (default 30000 ms). */
  upstreamTimeoutMs?: number;
  /** Proxies in front of the entry point whose X-Forwarded-For is believed (default none). */
  trustedProxies?: string[];
  /**
   * Origins besides its own whose pages may send state-changing requests (`ALLOWED_ORIGINS`); a
   * browser's from any other site is refused with 403. The CORS origins may too.
   */
  allowedOrigins?: string[];
  /** Origins whose pages may call the API from a browser (CORS); default none: same-origin only. */
  corsOrigins?: string[];
  /** The largest request body passed on (default: the services' own limit, 128 KiB). */
  bodyLimitBytes?: number;
  /** The web front end's build to serve at `/` (none: `/` is a 404). */
  webRoot?: string;
}

/** What a browser on an allowed origin may send and read (CORS). */
const CORS_OPTIONS = {
  credentials: true,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['content-type', IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_ALIAS_HEADER, REQUEST_ID_HEADER],
  exposedHeaders: [REPLAYED_HEADER, 'retry-after', REQUEST_ID_HEADER],
  maxAge: 600,
  // A bare OPTIONS (no Origin) is not a preflight: answered like one rather than with plain text.
  strictPreflight: false,
};

export interface Gateway {
  readonly http: HttpServer;
  /** Listens and resolves with the gateway's URL. */
  start(port: number, host?: string): Promise<string>;
  /** Stops accepting, finishes in-flight requests (cut after half of `timeoutMs`), closes the upstream connections. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Errors of a connection that failed before any answer (not a timeout: the service may be working). */
const CONNECTION_FAILURES = new Set(['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET']);

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

function authReadiness(authUrl: string | undefined, timeoutMs: number): ReadinessCheck[] {
  if (!authUrl) return [];
  const check = async () => {
    const response = await fetch(`${withoutTrailingSlash(authUrl)}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`app-auth /health answered ${response.status}`);
  };
  return [{ name: 'app-auth', check }];
}

interface ClientRequest {
  id: string;
  headers: { cookie?: string };
  log: Logger;
}

/** The session's token for a protected route, or the contract's 401/503. */
async function authenticate(forwardAuth: ForwardAuth | undefined, request: ClientRequest) {
  if (!forwardAuth) {
    request.log.warn('protected route but no app-auth URL is configured');
    throw new ServiceUnavailableError();
  }
  const cookie = request.headers.cookie;
  const attributes = {
    'http.request.method': 'GET',
    'server.address': 'app-auth',
    'url.path': '/api/v1/auth',
  };
  const outcome = await inSpan('GET app-auth forward auth', { kind: SpanKind.CLIENT, attributes }, () =>
    forwardAuth({ cookie, requestId: request.id, traceparent: outgoingTraceparent() }),
  );
  if (outcome.kind === 'unavailable') {
    request.log.warn({ reason: outcome.reason }, 'app-auth did not answer the forward-auth request');
    throw new ServiceUnavailableError();
  }
  if (outcome.kind === 'unauthorized') throw new UnauthorizedError();
  return outcome.token;
}

/**
 * The local entry point, mirroring the Kubernetes ingress: `/<service>/<path>` is forwarded to the
 * service as `/<path>`; internal routes are hidden, protected routes pass forward auth first, and
 * the upstream's answer goes back to the client untouched.
 */
export async function createGatewayService(options: GatewayOptions): Promise<Service> {
  const { upstreams, logger } = options;
  const authTimeoutMs = options.authTimeoutMs ?? 2000;
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const authUrl = upstreams['app-auth'];
  const forwardAuth = authUrl ? createForwardAuth(authUrl, authTimeoutMs) : undefined;

  const http = await createHttpServer({
    requestLogLevel: 'info',
    service: 'gateway',
    logger,
    metrics: createMetricsRegistry('gateway'),
    readiness: authReadiness(authUrl, authTimeoutMs),
    trustedProxies: options.trustedProxies ?? [],
    allowedOrigins: [...(options.allowedOrigins ?? []), ...(options.corsOrigins ?? [])],
    docs: false,
    metricsRoute: false,
    bodyLimitBytes: options.bodyLimitBytes ?? BODY_LIMIT_BYTES,
  });
  // Bodies go upstream exactly as the client sent them, unparsed, but read whole first (up to the
  // limit, else 413 and the rest is drained): a service refusing a body half-way can then never
  // leave the client's connection with an unread body.
  http.removeAllContentTypeParsers();
  http.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // With CORS on, the plugin answers preflights itself (before forward auth, as browsers send them
  // without cookies), so OPTIONS is not forwarded.
  const corsOn = Boolean(options.corsOrigins?.length);
  if (corsOn) await http.register(cors, { ...CORS_OPTIONS, origin: options.corsOrigins! });
  // Retries are decided per request (retryDelay below); none by default.
  await http.register(replyFrom, { retryMethods: [], disableRequestLogging: true });
  await serveWebFrontEnd(http, options.webRoot, logger);
  docsIndexRoute(http);

  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', ...(corsOn ? [] : ['OPTIONS'])];
  http.route({
    method: methods,
    url: '/*',
    handler: async (request, reply) => {
      const target = parseRequestTarget(request.url);
      const service = isServiceName(target.service) ? target.service : undefined;
      const upstream = service && upstreams[service];
      if (!service || !upstream) throw new NotFoundError();
      const access = classifyRoute(service, target.routePath);
      if (access === 'internal') throw new NotFoundError();

      const userToken = access === 'protected' ? await authenticate(forwardAuth, request) : undefined;
      const body = request.body as Buffer | undefined;
      const context = {
        forwardedFor: [...(request.ips ?? [request.ip])].reverse(),
        protocol: request.protocol,
        host: request.headers.host,
        requestId: request.id,
        traceparent: outgoingTraceparent(),
        userToken,
      };
      // reply-from sends a stream as it is (a Buffer it would re-encode as JSON).
      if (body) request.body = Readable.from([body]);
      return reply.from(`${withoutTrailingSlash(upstream)}${target.path}`, {
        timeout: upstreamTimeoutMs,
        rewriteRequestHeaders: (_request, headers) => {
          const upstreamHeaders = upstreamRequestHeaders(headers, context);
          if (body) upstreamHeaders['content-length'] = String(body.length);
          return upstreamHeaders;
        },
        rewriteHeaders: (headers) => clientResponseHeaders(headers),
        // A service's own answer (503 included) is never retried, nor a request that may change
        // something. A GET or HEAD whose connection failed before any answer (a kept-alive
        // connection that a stopping pod closed under it) is sent once more, as nginx does.
        retryDelay: ({ err, attempt }) =>
          attempt === 0 &&
          CONNECTION_FAILURES.has((err as { code?: string } | undefined)?.code ?? '') &&
          (request.method === 'GET' || request.method === 'HEAD')
            ? 1
            : null,
        onError: (failed, { error }) => {
          request.log.warn({ err: error, service }, 'upstream did not answer');
          failed.send(new ServiceUnavailableError());
        },
      });
    },
  });

  return new Service({ name: 'gateway', logger, http });
}

export const createGateway: (options: GatewayOptions) => Promise<Gateway> = createGatewayService;
