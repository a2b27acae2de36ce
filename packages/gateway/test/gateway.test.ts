import { createLogger } from '@adboard/kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index.js';
import {
  closedPortUrl,
  rawRequest,
  startEchoUpstream,
  startFakeAuth,
  type SeenRequest,
  type TestServer,
} from './servers.js';

const NOT_FOUND = { success: false, errors: [{ text: 'Not found' }] };
const UNAUTHORIZED = { success: false, errors: ['Unauthorized'] };
const UNAVAILABLE = { success: false, errors: [{ text: 'Service temporarily unavailable' }] };
const SESSION = { cookie: 'sid=good; theme=dark' };

const logger = createLogger('gateway-test', 'silent');
let user: TestServer;
let billing: TestServer;
let bonus: TestServer;
let auth: TestServer;
let gateway: Gateway;
let url: string;

beforeAll(async () => {
  [user, billing, bonus, auth] = await Promise.all([
    startEchoUpstream(),
    startEchoUpstream(),
    startEchoUpstream(),
    startFakeAuth(),
  ]);
  gateway = await createGateway({
    upstreams: {
      'app-user': user.url,
      'app-billing': `${billing.url}/`,
      'app-bonus': bonus.url,
      'app-auth': auth.url,
      'app-adv': await closedPortUrl(),
    },
    logger,
    authTimeoutMs: 300,
    upstreamTimeoutMs: 300,
  });
  url = await gateway.start(0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.stop();
  await Promise.all([user, billing, bonus, auth].map((server) => server.close()));
});

beforeEach(() => {
  for (const server of [user, billing, bonus, auth]) server.seen.length = 0;
});

/** The request as the echo upstream saw it. */
async function echoed(response: Response): Promise<SeenRequest> {
  expect(response.status).toBe(200);
  return (await response.json()) as SeenRequest;
}

describe('addressing', () => {
  it('strips the service prefix and keeps the query string as sent', async () => {
    const seen = await echoed(await fetch(`${url}/app-user/api/v1/user/create?a=1&b=%20x&a=2`));
    expect(seen.url).toBe('/api/v1/user/create?a=1&b=%20x&a=2');
    expect(user.seen).toHaveLength(1);
    expect(billing.seen).toHaveLength(0);
  });

  it('forwards the bare service prefix as the root path', async () => {
    const response = await rawRequest(url, { path: '/app-auth?x=1' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).url).toBe('/?x=1');
  });

  it('joins a base URL that ends in a slash without doubling it', async () => {
    const seen = await echoed(await fetch(`${url}/app-billing/health`));
    expect(seen.url).toBe('/health');
  });

  it.each(['PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS'])('forwards the %s method', async (method) => {
    const seen = await echoed(await fetch(`${url}/app-user/api/v1/user/create`, { method }));
    expect(seen.method).toBe(method);
  });

  it('forwards HEAD', async () => {
    const response = await fetch(`${url}/app-user/health`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(user.seen.map((seen) => seen.method)).toEqual(['HEAD']);
  });

  it.each([
    ['an unknown service', '/app-unknown/health'],
    ['a service without a configured URL', '/app-notify/health'],
    ['the root', '/'],
    ['a service name in another case', '/APP-USER/health'],
  ])('answers %s with 404 in the envelope', async (_case, path) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(NOT_FOUND);
  });

  it('serves its own /health and /ready at the root', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ success: true });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(auth.seen.map((seen) => seen.url)).toEqual(['/health']);
    expect(user.seen).toHaveLength(0);
  });

  it.each([
    '/metrics',
    '/app-billing/metrics',
    '/app-auth/metrics',
    '/app-user//metrics',
    '/app-user/metrics/',
  ])('does not expose %s: metrics are scraped on the service ports', async (path) => {
    const response = await rawRequest(url, { path, headers: SESSION });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual(NOT_FOUND);
    expect([...user.seen, ...billing.seen, ...auth.seen]).toHaveLength(0);
  });
});

describe('bodies', () => {
  it('passes a JSON body through byte for byte', async () => {
    const body = '{ "username" : "ivan",\n  "phone": 79990001122 }';
    const seen = await echoed(
      await fetch(`${url}/app-user/api/v1/user/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    expect(seen.body).toBe(body);
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('passes malformed JSON through untouched, for the service to answer', async () => {
    const body = '{"username": "ivan",';
    const seen = await echoed(
      await fetch(`${url}/app-user/api/v1/user/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    expect(seen.body).toBe(body);
  });

  it('passes a body without a content-type through, without inventing one', async () => {
    const body = '{"username":"ivan"}';
    const response = await rawRequest(url, {
      method: 'POST',
      path: '/app-user/api/v1/user/create',
      headers: { 'content-length': String(body.length) },
      body,
    });
    const seen = JSON.parse(response.body) as SeenRequest;
    expect(seen.body).toBe(body);
    expect(seen.headers['content-type']).toBeUndefined();
  });

  it('passes a chunked non-ASCII body through', async () => {
    const parts = ['{"title":"Объявление', ' №1","text":"', 'x'.repeat(5000), '"}'];
    const response = await rawRequest(url, {
      method: 'POST',
      path: '/app-user/api/v1/user/create',
      headers: { 'content-type': 'text/plain' },
      body: parts,
    });
    const seen = JSON.parse(response.body) as SeenRequest;
    expect(seen.body).toBe(parts.join(''));
    expect(seen.headers['content-type']).toBe('text/plain');
  });
});

describe('public routes', () => {
  it.each([
    ['app-user', '/api/v1/user/create'],
    ['app-auth', '/api/v1/login'],
    ['app-auth', '/api/v1/logout'],
    ['app-auth', '/.well-known/jwks.json'],
    ['app-billing', '/health'],
    ['app-billing', '/ready'],
    ['app-bonus', '/docs'],
    ['app-bonus', '/docs/json'],
  ])('%s %s reaches the service without a session', async (service, path) => {
    const seen = await echoed(await fetch(`${url}/${service}${path}`, { method: 'POST' }));
    expect(seen.url).toBe(path);
    expect(auth.seen.filter((request) => request.url === '/api/v1/auth')).toHaveLength(0);
  });

  it("app-auth's /auth is public and keeps the client's cookie", async () => {
    const response = await fetch(`${url}/app-auth/api/v1/auth`, { headers: SESSION });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-auth-token')).toBe('token-for-good');
    expect(auth.seen).toHaveLength(1);
    expect(auth.seen[0]!.headers.cookie).toBe(SESSION.cookie);
  });
});

describe('protected routes', () => {
  it('answers 401 without a session and never calls the service', async () => {
    const response = await fetch(`${url}/app-user/api/v1/user/1`);
    expect(response.status).toBe(401);
    expect(await response.text()).toBe(JSON.stringify(UNAUTHORIZED));
    expect(auth.seen.map((seen) => seen.url)).toEqual(['/api/v1/auth']);
    expect(user.seen).toHaveLength(0);
  });

  it.each(['sid=expired', 'sid=tokenless'])(
    'answers 401 when app-auth does not vouch for %s',
    async (cookie) => {
      const response = await fetch(`${url}/app-billing/api/v1/account/1`, { headers: { cookie } });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(UNAUTHORIZED);
      expect(billing.seen).toHaveLength(0);
    },
  );

  it("forwards app-auth's token in place of the one the client forged", async () => {
    const seen = await echoed(
      await fetch(`${url}/app-user/api/v1/user/1?full=1`, {
        method: 'PUT',
        headers: { ...SESSION, 'x-auth-token': 'forged.jwt.token', 'content-type': 'application/json' },
        body: '{"firstName":"Ivan"}',
      }),
    );
    expect(seen.url).toBe('/api/v1/user/1?full=1');
    expect(seen.headers['x-auth-token']).toBe('token-for-good');
    expect(seen.body).toBe('{"firstName":"Ivan"}');
    expect(seen.headers.cookie).toBe(SESSION.cookie);
  });

  it('sends the sub-request with the cookie, request id and trace of the client request', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await fetch(`${url}/app-bonus/api/v1/bonus/1`, {
      headers: { ...SESSION, 'x-request-id': 'req-123', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    const [subRequest] = auth.seen;
    expect(subRequest).toMatchObject({ method: 'GET', url: '/api/v1/auth', body: '' });
    expect(subRequest!.headers).toMatchObject({ cookie: SESSION.cookie, 'x-request-id': 'req-123' });
    expect(subRequest!.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const upstream = bonus.seen[0]!;
    expect(upstream.headers['x-request-id']).toBe('req-123');
    expect(upstream.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });
});

describe('headers', () => {
  it("strips the client's x-service-token on public and protected routes", async () => {
    const forged = { 'x-service-token': 'forged-service-credential' };
    const publicSeen = await echoed(await fetch(`${url}/app-user/api/v1/user/create`, { headers: forged }));
    const protectedSeen = await echoed(
      await fetch(`${url}/app-user/api/v1/user/1`, { headers: { ...forged, ...SESSION } }),
    );
    for (const seen of [publicSeen, protectedSeen]) {
      expect(seen.headers).not.toHaveProperty('x-service-token');
    }
    expect(auth.seen[0]!.headers).not.toHaveProperty('x-service-token');
  });

  it("replaces an untrusted client's x-forwarded-* with its own address, protocol and host", async () => {
    const host = new URL(url).host;
    const seen = await echoed(
      await fetch(`${url}/app-user/health`, {
        headers: {
          'x-forwarded-for': '203.0.113.7',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'evil',
          'x-real-ip': '203.0.113.8',
          forwarded: 'for=203.0.113.9',
        },
      }),
    );
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers).not.toHaveProperty('x-real-ip');
    expect(seen.headers).not.toHaveProperty('forwarded');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(host);
    expect(seen.headers.host).toBe(new URL(user.url).host);
  });

  it('gives every request an id and passes it upstream', async () => {
    const response = await fetch(`${url}/app-user/health`);
    const seen = await echoed(response);
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toBe(seen.headers['x-request-id']);
  });
});

describe('internal routes', () => {
  it.each([
    '/app-user/api/v1/internal',
    '/app-user/api/v1/internal/credentials/check',
    '/app-billing/api/v1/account/pay/1',
    '/app-bonus/api/v1/bonus/add/1',
    '/app-bonus/api/v1/bonus/rollback/1',
  ])('%s is not exposed, even with a session', async (path) => {
    const response = await fetch(`${url}${path}`, { method: 'PUT', headers: SESSION, body: '{"sum":1}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(NOT_FOUND);
    expect([...user.seen, ...billing.seen, ...bonus.seen, ...auth.seen]).toHaveLength(0);
  });

  it.each([
    '/app-billing/api/v1/account/%70ay/1',
    '/app-billing/api/v1/account%2Fpay/1',
    '/app-billing//api/v1/account/pay/1',
    '/app-billing/api/v1//account/pay/1',
    '/app-billing/api/v1/x/../account/pay/1',
    '/app-billing/api/v1/x/%2e%2e/account/pay/1',
    '/app-billing/api/v1/account/./pay/1',
    '/app-billing/api/v1/account/pay/',
  ])('%s: no spelling of an internal path gets through', async (path) => {
    const response = await rawRequest(url, { method: 'PUT', path, headers: SESSION });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual(NOT_FOUND);
    expect(billing.seen).toHaveLength(0);
  });

  it('does not mistake a sibling path for an internal one', async () => {
    const seen = await echoed(
      await fetch(`${url}/app-billing/api/v1/account/payments`, { headers: SESSION }),
    );
    expect(seen.url).toBe('/api/v1/account/payments');
  });

  it('refuses an encoded dot segment with 400 in the envelope', async () => {
    const response = await rawRequest(url, {
      path: '/app-billing/api/v1/x%2F..%2Faccount/pay/1',
      headers: SESSION,
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ success: false, errors: [{ text: 'Bad request.' }] });
    expect(billing.seen).toHaveLength(0);
  });

  it('refuses bad percent-encoding with 400 without forwarding it', async () => {
    // Fastify's router rejects it before any route runs (kit's server has no frameworkErrors handler).
    const response = await rawRequest(url, { path: '/app-user/api/v1/user/%E0%A4%A', headers: SESSION });
    expect(response.status).toBe(400);
    expect(user.seen).toHaveLength(0);
  });
});

describe("the service's answer", () => {
  it.each([400, 401, 403, 404, 409, 422, 500])('passes a %i through unchanged', async (status) => {
    const response = await fetch(`${url}/app-user/respond/${status}`, { headers: SESSION });
    expect(response.status).toBe(status);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(
      `{"success":false,"errors":[{"text":"upstream ${status}","field":"sum"}]}`,
    );
  });

  it('passes a plain-text 404 through unchanged', async () => {
    const response = await fetch(`${url}/app-user/plain/404`, { headers: SESSION });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('nothing here');
  });

  it("passes a service's 503 through once, without retrying", async () => {
    const response = await fetch(`${url}/app-user/respond/503`, { headers: SESSION });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      success: false,
      errors: [{ text: 'upstream 503', field: 'sum' }],
    });
    expect(user.seen).toHaveLength(1);
  });
});

describe('faults', () => {
  it('answers 503 in the envelope when the service cannot be reached', async () => {
    for (const path of ['/app-adv/health', '/app-adv/api/v1/adv']) {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: SESSION, body: '{}' });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual(UNAVAILABLE);
    }
  });

  it('answers 503 when the service does not answer in time', async () => {
    const response = await fetch(`${url}/app-user/hang`, { headers: SESSION });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(UNAVAILABLE);
    expect(user.seen.map((seen) => seen.url)).toEqual(['/hang']);
  });

  it('answers 503 when app-auth fails with a 5xx: an outage is not a logged-out user', async () => {
    const response = await fetch(`${url}/app-billing/api/v1/account/1`, {
      headers: { cookie: 'sid=broken' },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(UNAVAILABLE);
    expect(billing.seen).toHaveLength(0);
  });

  it('answers 503 when app-auth does not answer in time', async () => {
    const response = await fetch(`${url}/app-user/api/v1/user/1`, { headers: { cookie: 'sid=slow' } });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(UNAVAILABLE);
    expect(user.seen).toHaveLength(0);
  });
});

describe('app-auth down', () => {
  let lonely: Gateway;
  let lonelyUrl: string;

  beforeAll(async () => {
    lonely = await createGateway({
      upstreams: { 'app-user': user.url, 'app-auth': await closedPortUrl() },
      logger,
    });
    lonelyUrl = await lonely.start(0, '127.0.0.1');
  });
  afterAll(() => lonely.stop());

  it('answers protected routes with 503, never 401 or 500', async () => {
    const response = await fetch(`${lonelyUrl}/app-user/api/v1/user/1`, { headers: SESSION });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(UNAVAILABLE);
    expect(user.seen).toHaveLength(0);
  });

  it('still serves public routes', async () => {
    const seen = await echoed(await fetch(`${lonelyUrl}/app-user/api/v1/user/create`, { method: 'POST' }));
    expect(seen.url).toBe('/api/v1/user/create');
  });

  it('is not ready', async () => {
    const response = await fetch(`${lonelyUrl}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ success: false, errors: [{ text: 'app-auth is unavailable' }] });
  });
});

describe('no app-auth configured', () => {
  it('answers protected routes with 503 and public ones normally', async () => {
    const solo = await createGateway({ upstreams: { 'app-user': user.url }, logger });
    const soloUrl = await solo.start(0, '127.0.0.1');
    try {
      const protectedResponse = await fetch(`${soloUrl}/app-user/api/v1/user/1`, { headers: SESSION });
      expect(protectedResponse.status).toBe(503);
      expect(await protectedResponse.json()).toEqual(UNAVAILABLE);
      expect((await fetch(`${soloUrl}/app-user/health`)).status).toBe(200);
      expect((await fetch(`${soloUrl}/ready`)).status).toBe(200);
    } finally {
      await solo.stop();
    }
  });
});
