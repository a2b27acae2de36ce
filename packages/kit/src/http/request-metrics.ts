import fp from 'fastify-plugin';
import { Histogram, type Registry } from '../metrics.js';

export interface RequestMetricsOptions {
  metrics: Registry;
  /** Serve `/metrics` (default true; the entry point does not: metrics are scraped on service ports). */
  metricsRoute?: boolean;
}

/** Every answer's duration by route and status, and the registry at `/metrics`. */
export const requestMetrics = fp<RequestMetricsOptions>(
  async (app, options) => {
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'],
      registers: [options.metrics],
    });
    app.addHook('onResponse', async (request, reply) => {
      duration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unknown',
          status_code: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      );
    });
    if (options.metricsRoute === false) return;
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('content-type', options.metrics.contentType).send(await options.metrics.metrics()),
    );
  },
  { name: 'metrics', fastify: '5.x' },
);
