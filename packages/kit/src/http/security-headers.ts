import helmet from 'helmet';
import fp from 'fastify-plugin';

/** An API answer is data, never a page: nothing may load from it or frame it. */
const API_POLICY = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/** The docs UI (Swagger UI): its own scripts and styles only; it styles elements inline. */
export const DOCS_UI_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Security headers on every answer (helmet): nosniff, frames denied, no referrer, a CSP that lets
 * an API answer load nothing (the docs UI sets its own, `DOCS_UI_POLICY`), and `Cache-Control:
 * no-store` on every answer that does not choose its own caching — API answers carry personal data
 * and tokens. HSTS is left to whoever terminates TLS.
 */
export const securityHeaders = fp(
  async (app) => {
    // Built once: @fastify/helmet rebuilt helmet's middleware (and re-parsed the CSP) per request.
    const setHeaders = helmet({
      contentSecurityPolicy: { useDefaults: false, directives: API_POLICY },
      frameguard: { action: 'deny' },
      hsts: false,
    });
    app.addHook('onRequest', (request, reply, done) =>
      setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
    );
    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
