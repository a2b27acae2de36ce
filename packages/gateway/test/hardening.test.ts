import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createHttpServer, createLogger, createMetricsRegistry } from '@adboard/kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_HEADERS_NOT_FORWARDED } from '../src/forwarded-headers.js';
import { createGateway, type Gateway } from '../src/index.js';
import {
  rawRequest,
  startEchoUpstream,
  startFakeAuth,
  type SeenRequest,
  type TestServer,
} from './servers.js';

const SESSION = { cookie: 'sid=good' };
const logger = createLogger('gateway-test', 'silent');
let user: TestServer;
let auth: TestServer;
let gateway: Gateway;
let url: string;

beforeAll(async () => {
  [user, auth] = await Promise.all([startEchoUpstream(), startFakeAuth()]);
  gateway = await createGateway({
    upstreams: { 'app-user': user.url, 'app-auth': auth.url },
    logger,
    authTimeoutMs: 1000,
    upstreamTimeoutMs: 2000,
  });
  url = await gateway.start(0, '127.0.0.1');
});
afterAll(async () => {
  await gateway.stop();
  await Promise.all([user.close(), auth.close()]);
});
beforeEach(() => {
  user.seen.length = 0;
  auth.seen.length = 0;
});

describe('headers only services may set', () => {
  const forged: Record<string, string> = {
    'x-service-token': 'forged-service-credential',
    'x-auth-token': 'forged.user.token',
    'x-request-deadline': '1',
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
    'x-forwarded-port': '443',
    'x-forwarded-prefix': '/evil',
    'x-real-ip': '203.0.113.8',
    forwarded: 'for=203.0.113.9',
    'proxy-authorization': 'Basic Zm9vOmJhcg==',
  };

  it('covers every client header the list names that a client can send', () => {
    expect(Object.keys(forged).every((name) => CLIENT_HEADERS_NOT_FORWARDED.includes(name))).toBe(true);
    for (const name of [
      'x-service-token',
      'x-auth-token',
      'x-request-deadline',
      'x-forwarded-for',
      'expect',
    ]) {
      expect(CLIENT_HEADERS_NOT_FORWARDED).toContain(name);
    }
  });

  it.each([
    ['a public route', '/app-user/api/v1/user/create', undefined],
    ['a protected route', '/app-user/api/v1/user/1', 'token-for-good'],
  ])('never reach the service on %s', async (_case, path, userToken) => {
    const response = await rawRequest(url, { method: 'POST', path, headers: { ...forged, ...SESSION } });
    expect(response.status).toBe(200);
    const seen = JSON.parse(response.body) as SeenRequest;
    expect(seen.headers['x-auth-token']).toBe(userToken);
    for (const name of ['x-service-token', 'x-request-deadline', 'x-forwarded-port', 'x-forwarded-prefix']) {
      expect(seen.headers, name).not.toHaveProperty(name);
    }
    for (const name of ['x-real-ip', 'forwarded', 'proxy-authorization']) {
      expect(seen.headers, name).not.toHaveProperty(name);
    }
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(new URL(url).host);
  });

  it('keeps the forwarded chain that a configured proxy in front of it vouches for', async () => {
    const behindProxy = await createGateway({
      upstreams: { 'app-user': user.url },
      logger,
      trustedProxies: ['127.0.0.1'],
    });
    const proxiedUrl = await behindProxy.start(0, '127.0.0.1');
    try {
      const response = await rawRequest(proxiedUrl, {
        path: '/app-user/health',
        headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' },
      });
      expect(JSON.parse(response.body).headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    } finally {
      await behindProxy.stop();
    }
  });
});

/** Sends the head, waits for `100 Continue`, then the body; resolves with everything the gateway wrote. */
function withExpectContinue(body: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let bodySent = false;
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (!bodySent && received.includes('100 Continue\r\n\r\n')) {
        bodySent = true;
        socket.write(body);
      }
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(
      `POST /app-user/api/v1/user/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    );
  });
}

describe('Expect: 100-continue', () => {
  it('answers 100 Continue and passes the request on without the expectation', async () => {
    const body = JSON.stringify({ username: 'ivan', text: 'x'.repeat(2000) });
    const response = await withExpectContinue(body);
    expect(response).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    const echo = response.slice(response.indexOf('{"method"'), response.lastIndexOf('}') + 1); // one chunk
    const seen = JSON.parse(echo) as SeenRequest;
    expect(seen.body).toBe(body);
    expect(seen.headers).not.toHaveProperty('expect');
  });
});

describe('bodies over the limit', () => {
  const TOO_LARGE = { success: false, errors: [{ text: 'Request body is too large.' }] };

  /** POST with a keep-alive agent, then a second request on the same agent within `deadlineMs`. */
  async function postThenGet(agent: Agent, body: Buffer, headers: Record<string, string>) {
    const first = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${url}/app-user/api/v1/user/create`,
        { method: 'POST', agent, headers },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const second = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the next request hung')), 3000);
      httpRequest(`${url}/app-user/health`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve(res.statusCode ?? 0);
        });
      })
        .on('error', reject)
        .end();
    });
    return { first, second };
  }

  it.each([
    ['declared with Content-Length', (size: number) => ({ 'content-length': String(size) })],
    ['sent chunked', () => ({ 'transfer-encoding': 'chunked' })],
  ])(
    'answers 413 in the envelope every time when %s, and the next request does not hang',
    async (_case, headersFor) => {
      const body = Buffer.alloc(5 * 1024 * 1024, 'x');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const { first, second } = await postThenGet(agent, body, headersFor(body.length));
          expect(first.status).toBe(413);
          expect(JSON.parse(first.body)).toEqual(TOO_LARGE);
          expect(second).toBe(200);
        } finally {
          agent.destroy();
        }
      }
      expect(user.seen.filter((seen) => seen.method === 'POST')).toHaveLength(0);
    },
  );

  it('passes a body just under the limit on whole', async () => {
    const body = JSON.stringify({ text: 'я'.repeat(60_000) });
    const response = await fetch(`${url}/app-user/api/v1/user/create`, { method: 'POST', body });
    expect(response.status).toBe(200);
    expect(((await response.json()) as SeenRequest).body).toBe(body);
  });
});

describe("the entry point's own answers", () => {
  it('render HTTP-level rejections in the envelope', async () => {
    const response = await rawRequest(url, {
      path: '/app-user/health',
      headers: { 'x-big': 'a'.repeat(20_000) },
    });
    expect(response.status).toBe(431);
    expect(JSON.parse(response.body)).toEqual({
      success: false,
      errors: [{ text: 'Request header fields are too large.' }],
    });
  });

  it('carry the security headers', async () => {
    for (const path of ['/app-unknown/x', '/app-user/api/v1/user/1']) {
      const response = await fetch(`${url}${path}`);
      expect([404, 401]).toContain(response.status);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('CORS', () => {
  const preflight = (base: string, origin: string) =>
    fetch(`${base}/app-user/api/v1/user/1`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type, x-idempotency-key',
      },
    });

  it('allows no other origin by default (same-origin only)', async () => {
    const response = await preflight(url, 'https://elsewhere.example');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights from configured origins only, with credentials', async () => {
    const open = await createGateway({
      upstreams: { 'app-user': user.url, 'app-auth': auth.url },
      logger,
      corsOrigins: ['https://board.example'],
    });
    const openUrl = await open.start(0, '127.0.0.1');
    try {
      const allowed = await preflight(openUrl, 'https://board.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://board.example');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('x-idempotency-key');
      const refused = await preflight(openUrl, 'https://elsewhere.example');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await fetch(`${openUrl}/app-user/health`, {
        headers: { origin: 'https://board.example' },
      });
      expect(simple.headers.get('access-control-allow-origin')).toBe('https://board.example');
      expect(user.seen.filter((seen) => seen.method === 'OPTIONS')).toHaveLength(0);
    } finally {
      await open.stop();
    }
  });
});

describe('state-changing requests from pages of other sites', () => {
  /** What a `<form enctype="text/plain">` posts to the login, with what the browser says of its page. */
  const login = (base: string, headers: Record<string, string>) =>
    fetch(`${base}/app-auth/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body: '{"username":"attacker","password":"secret-pw","x":"="}',
    });

  it('are refused with 403 at the entry point and never passed on', async () => {
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'http://127.0.0.1:1' },
      { origin: 'http://evil.example' }, // a browser without Sec-Fetch-Site
    ];
    for (const headers of foreign) {
      const refused = await login(url, headers);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ success: false, errors: ['Access denied'] });
    }
    expect(auth.seen).toHaveLength(0);
  });

  it("pass from the board's own page and from clients that are not browsers", async () => {
    expect((await login(url, { 'sec-fetch-site': 'same-origin', origin: url })).status).toBe(200);
    expect((await login(url, { origin: url })).status).toBe(200);
    expect((await login(url, {})).status).toBe(200);
    expect(auth.seen).toHaveLength(3);
  });

  it('pass from the origins in ALLOWED_ORIGINS and CORS_ALLOWED_ORIGINS', async () => {
    const open = await createGateway({
      upstreams: { 'app-auth': auth.url },
      logger,
      allowedOrigins: ['http://localhost:5173'],
      corsOrigins: ['https://board.example'],
    });
    const openUrl = await open.start(0, '127.0.0.1');
    try {
      const from = (origin: string) => login(openUrl, { 'sec-fetch-site': 'cross-site', origin });
      expect((await from('http://localhost:5173')).status).toBe(200);
      expect((await from('https://board.example')).status).toBe(200);
      expect((await from('https://elsewhere.example')).status).toBe(403);
    } finally {
      await open.stop();
    }
  });

  it("are told apart by a service behind it that trusts it: it compares the Origin with the client's host", async () => {
    const serviceTrusting = async (trustedProxies: string[]) => {
      const service = await createHttpServer({
        service: 'app-auth',
        logger,
        metrics: createMetricsRegistry('app-auth'),
        readiness: [],
        docs: false,
        trustedProxies,
      });
      service.post('/api/v1/login', async () => ({ success: true }));
      await service.listen({ port: 0, host: '127.0.0.1' });
      const { port } = service.server.address() as { port: number };
      const front = await createGateway({ upstreams: { 'app-auth': `http://127.0.0.1:${port}` }, logger });
      return { url: await front.start(0, '127.0.0.1'), stop: () => front.stop().then(() => service.close()) };
    };
    // An Origin without Sec-Fetch-Site: the service sees its own address in Host, the client's in X-Forwarded-Host.
    const trusting = await serviceTrusting(['127.0.0.1']);
    const trustingNobody = await serviceTrusting([]);
    try {
      expect((await login(trusting.url, { origin: trusting.url })).status).toBe(200);
      expect((await login(trusting.url, { origin: 'http://evil.example' })).status).toBe(403);
      expect((await login(trustingNobody.url, { origin: trustingNobody.url })).status).toBe(403);
      const fromBrowser = { 'sec-fetch-site': 'same-origin', origin: trustingNobody.url };
      expect((await login(trustingNobody.url, fromBrowser)).status).toBe(200);
    } finally {
      await trusting.stop();
      await trustingNobody.stop();
    }
  });
});
