import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { DOCS_UI_POLICY } from './security-headers.js';

export interface DocsOptions {
  service: string;
  version?: string;
  description?: string;
}

/**
 * The OpenAPI document at `/docs/json` and its UI at `/docs/`, working both through the entry point
 * (`/<service>/docs`) and on the service itself:
 * - the UI's page is always served at `docs/` (a bare `docs` is redirected there with a relative
 *   Location), so its assets and document load from paths relative to wherever it is mounted;
 * - the document's first `servers` entry is `/<service>`, so "Try it out" goes through the entry
 *   point (with the session cookie); the second is the service's own root, for a port-forward.
 */
export const docs = fp<DocsOptions>(
  async (app, options) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: options.service,
          version: options.version ?? '0.1.0',
          description: options.description ?? '',
        },
        servers: [
          { url: `/${options.service}`, description: 'through the entry point (the gateway or the ingress)' },
          {
            url: '/',
            description: 'the service itself, without the entry point (e.g. kubectl port-forward)',
          },
        ],
        components: {
          securitySchemes: {
            userToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
            serviceToken: { type: 'apiKey', in: 'header', name: 'X-Service-Token' },
          },
        },
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_UI_POLICY,
      uiHooks: {
        onRequest: (request, reply, done) => {
          if (request.url.split('?')[0] === '/docs') return reply.redirect('docs/', 302);
          done();
        },
      },
    });
  },
  { name: 'docs', fastify: '5.x' },
);
