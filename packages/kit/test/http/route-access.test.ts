import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../src/http/errors.js';
import type { GuardedAccess } from '../../src/http/route-access.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';

/** A server whose guards only let through requests with `x-pass`, noting which access they enforced. */
async function server(enforced: GuardedAccess[] = [], withGuards = true): Promise<HttpServer> {
  return createHttpServer({
    service: 'test-service',
    logger: createLogger('test-service', 'silent'),
    metrics: createMetricsRegistry('test-service'),
    readiness: [],
    ...(withGuards
      ? {
          guardFor: (access: GuardedAccess) => async (request) => {
            enforced.push(access);
            if (request.headers['x-pass'] === undefined) throw new UnauthorizedError();
          },
        }
      : {}),
  });
}

const operation = (document: unknown, path: string, method: string) =>
  (document as { paths: Record<string, Record<string, { security?: unknown }>> }).paths[path]![method]!;

describe('route access', () => {
  it('runs the guard of the declared access before the body is validated', async () => {
    const enforced: GuardedAccess[] = [];
    const app = await server(enforced);
    const Body = Type.Object({ title: Type.String() });
    app.post('/things', { config: { access: { service: 'app-adv' } }, schema: { body: Body } }, async () => ({
      success: true,
    }));
    const refused = await app.inject({ method: 'POST', url: '/things', payload: {} });
    expect(refused.statusCode).toBe(401);
    expect(enforced).toEqual([{ service: 'app-adv' }]);
    const invalid = await app.inject({
      method: 'POST',
      url: '/things',
      payload: {},
      headers: { 'x-pass': '1' },
    });
    expect(invalid.statusCode).toBe(400);
    await app.close();
  });

  it('sets the OpenAPI security from the access, none for a public route', async () => {
    const app = await server();
    const ok = async () => ({ success: true });
    app.get('/open', { config: { access: 'public' } }, ok);
    app.get('/mine', { config: { access: 'self' } }, ok);
    app.get('/internal', { config: { access: { service: 'app-adv' } } }, ok);
    app.get('/either', { config: { access: { selfOrService: 'app-adv' } } }, ok);
    await app.ready();
    const document = app.swagger();
    expect(operation(document, '/open', 'get').security).toBeUndefined();
    expect(operation(document, '/mine', 'get').security).toEqual([{ userToken: [] }]);
    expect(operation(document, '/internal', 'get').security).toEqual([{ serviceToken: [] }]);
    expect(operation(document, '/either', 'get').security).toEqual([{ userToken: [] }, { serviceToken: [] }]);
    expect(app.routeTable.filter((route) => route.access !== undefined)).toEqual([
      { method: 'GET', url: '/open', access: 'public' },
      { method: 'GET', url: '/mine', access: 'self' },
      { method: 'GET', url: '/internal', access: { service: 'app-adv' } },
      { method: 'GET', url: '/either', access: { selfOrService: 'app-adv' } },
    ]);
    await app.close();
  });

  it('refuses a route that states its own security, or guarded access on a server without guards', async () => {
    const app = await server();
    expect(() =>
      app.get('/x', { config: { access: 'user' }, schema: { security: [] } }, async () => ({
        success: true,
      })),
    ).toThrow(/security follows from its access/);
    await app.close();
    const unguarded = await server([], false);
    expect(() =>
      unguarded.get('/y', { config: { access: 'user' } }, async () => ({ success: true })),
    ).toThrow(/no guards/);
    await unguarded.close();
  });
});
