import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { call } from '../../src/testing/http.js';

const ACCESS_DENIED = { success: false, errors: ['Access denied'] };
/** What a `<form enctype="text/plain">` posts: one field whose name and value make up a JSON body. */
const FORM_BODY = '{"username":"attacker","password":"secret-pw","x":"="}\r\n';

let handled = 0;
const servers: HttpServer[] = [];

async function server(options: { trustedProxies?: string[]; allowedOrigins?: string[] } = {}) {
  const app = await createHttpServer({
    service: 'app-auth',
    logger: createLogger('app-auth', 'silent'),
    metrics: createMetricsRegistry('app-auth'),
    readiness: [],
    docs: false,
    ...options,
  });
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] as const)
    app.route({
      method,
      url: '/api/v1/login',
      handler: async (request) => {
        handled += 1;
        return { success: true, data: request.body ?? null };
      },
    });
  await app.listen({ port: 0, host: '127.0.0.1' });
  servers.push(app);
  const { port } = app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

let plain: string;
beforeAll(async () => {
  plain = await server();
});
afterAll(async () => {
  for (const app of servers) await app.close();
});

/** A login as a browser sends it, with `headers` for what it says about the page it came from. */
async function login(base: string, headers: Record<string, string>, method = 'POST') {
  const before = handled;
  const response = await call(base, method, '/api/v1/login', {
    ...(method === 'GET' ? {} : { raw: FORM_BODY }),
    headers: { 'content-type': 'text/plain', ...headers },
  });
  return { ...response, handled: handled > before };
}

describe('state-changing requests from another site', () => {
  it("are refused with 403 before the route runs when the browser says so (Sec-Fetch-Site), whatever the body's type", async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      for (const site of ['cross-site', 'same-site']) {
        const refused = await login(plain, { 'sec-fetch-site': site, origin: 'http://evil.example' }, method);
        expect({
          method,
          site,
          status: refused.status,
          body: refused.body,
          handled: refused.handled,
        }).toEqual({
          method,
          site,
          status: 403,
          body: ACCESS_DENIED,
          handled: false,
        });
      }
  });

  it('are refused when an Origin names another host, from a browser without Sec-Fetch-Site', async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:1', 'null']) {
      const refused = await login(plain, { origin });
      expect({ origin, status: refused.status, handled: refused.handled }).toEqual({
        origin,
        status: 403,
        handled: false,
      });
    }
  });

  it("pass from the board's own page, from clients that are not browsers, and when only reading", async () => {
    const host = new URL(plain).host;
    const passing: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin', origin: plain },
      { 'sec-fetch-site': 'none' },
      { origin: plain },
      { origin: `HTTP://${host.toUpperCase()}` },
      {}, // curl, newman, a service's call
    ];
    for (const headers of passing) {
      const answer = await login(plain, headers);
      expect({ headers, status: answer.status, handled: answer.handled }).toEqual({
        headers,
        status: 200,
        handled: true,
      });
    }
    expect(await login(plain, {}).then((answer) => answer.body.data)).toEqual({
      username: 'attacker',
      password: 'secret-pw',
      x: '=',
    });
    expect((await login(plain, { 'sec-fetch-site': 'cross-site' }, 'GET')).status).toBe(200);
  });

  it('compare the Origin with the host a trusted proxy was addressed by (X-Forwarded-Host), and only then', async () => {
    const behindProxy = await server({ trustedProxies: ['127.0.0.1'] });
    const board = { origin: 'http://board.example', 'x-forwarded-host': 'board.example' };
    expect((await login(behindProxy, board)).status).toBe(200);
    expect((await login(behindProxy, { ...board, origin: 'http://evil.example' })).status).toBe(403);
    // From a peer that is not a trusted proxy, X-Forwarded-Host says nothing.
    expect((await login(plain, board)).status).toBe(403);
  });

  it('pass from the origins in ALLOWED_ORIGINS, and only those', async () => {
    const allowing = await server({ allowedOrigins: ['http://localhost:5173', 'HTTPS://Board.Example:443'] });
    const from = (origin: string) => login(allowing, { 'sec-fetch-site': 'same-site', origin });
    expect((await from('http://localhost:5173')).status).toBe(200);
    expect((await from('https://board.example')).status).toBe(200);
    expect((await from('http://localhost:5174')).status).toBe(403);
    expect((await from('http://board.example')).status).toBe(403);
  });
});
