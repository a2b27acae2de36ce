import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../src/auth/keys.js';
import { ServiceCredentials } from '../../src/auth/service-credentials.js';
import { testServiceToken, testSigningKey } from '../../src/testing/service.js';
import { createGuards } from '../../src/auth/guards.js';
import { TokenVerifier } from '../../src/auth/tokens.js';
import { rateLimited } from '../../src/http/rate-limit.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { InMemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { RedisKeyValueStore } from '../../src/kv/redis-store.js';
import type { KeyValueStore } from '../../src/kv/types.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { useAuthority } from '../../src/testing/use-service.js';
import { currentTrace } from '../../src/trace.js';

const credentials = new ServiceCredentials('app-billing', {
  callerKeys: [{ service: 'app-adv', publicKey: publicKeyOf(testSigningKey('app-adv')) }],
});
const authority = useAuthority();

async function server(options: { trustedProxies?: string[]; kv?: KeyValueStore } = {}): Promise<HttpServer> {
  const app = await createHttpServer({
    service: 'app-billing',
    logger: createLogger('app-billing', 'silent'),
    metrics: createMetricsRegistry('app-billing'),
    readiness: [],
    bodyLimitBytes: 1024,
    serviceCredentials: credentials,
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    ...(options.kv ? { rateLimitStore: options.kv } : {}),
  });
  const guards = createGuards(TokenVerifier.remote(authority.jwksUrl), credentials);
  app.get('/trace', async () => ({ success: true, data: currentTrace() ?? null }));
  app.get('/ip', async (request) => ({ success: true, data: request.ip }));
  app.post('/echo', async (request) => ({ success: true, data: request.body }));
  app.get('/cached', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return { success: true };
  });
  app.post('/limited', { config: rateLimited({ max: 2, windowSeconds: 60, per: 'address' }) }, async () => ({
    success: true,
  }));
  app.put(
    '/mine/:userId',
    {
      onRequest: guards.selfOrService(),
      config: rateLimited({ max: 2, windowSeconds: 60, per: 'user' }),
    },
    async () => ({ success: true }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const urlOf = (app: HttpServer) => {
  const address = app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
};

/** Writes `raw` on a fresh connection and resolves with all the server wrote before closing it. */
function rawExchange(app: HttpServer, raw: string | Buffer[]): Promise<string> {
  const { port } = app.server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('end', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('error', (error) => (received ? resolve(received) : reject(error)));
    for (const part of typeof raw === 'string' ? [raw] : raw) socket.write(part);
  });
}

const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));

let app: HttpServer;
let url: string;

beforeAll(async () => {
  app = await server();
  url = urlOf(app);
});
afterAll(async () => {
  await app.close();
});

describe('requests the HTTP parser refuses', () => {
  it('answers headers over the limit with 431 in the envelope and closes the connection', async () => {
    const response = await rawExchange(
      app,
      `GET /trace HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(response).toMatch(/\r\nContent-Type: application\/json; charset=utf-8\r\n/);
    expect(response).toMatch(/\r\nConnection: close\r\n/);
    expect(bodyOf(response)).toEqual({
      success: false,
      errors: [{ text: 'Request header fields are too large.' }],
    });
  });

  it.each([
    ['a malformed request line', 'GET /trace HTTP/1.1 extra\r\nHost: x\r\n\r\n'],
    ['an unknown method', 'FROB /trace HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a malformed header', 'GET /trace HTTP/1.1\r\nHost x\r\n\r\n'],
    ['a bad chunk size', 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('answers %s with 400 in the envelope', async (_case, raw) => {
    const response = await rawExchange(app, raw);
    expect(response).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bodyOf(response)).toEqual({ success: false, errors: [{ text: 'Bad request.' }] });
  });
});

describe('request bodies', () => {
  it.each(['null', '[]', '[{"a":1}]', '5', '"text"', 'false'])(
    'refuses the JSON body %s, which is not an object',
    async (raw) => {
      const response = await fetch(`${url}/echo`, { method: 'POST', body: raw });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        success: false,
        errors: [{ text: 'This value should be of type object.', field: 'body' }],
      });
    },
  );

  it('answers a declared body over the limit with 413 at once and closes the connection', async () => {
    const response = await rawExchange(app, [
      Buffer.from(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`),
      Buffer.from('x'.repeat(64 * 1024)),
    ]);
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(bodyOf(response)).toEqual({ success: false, errors: [{ text: 'Request body is too large.' }] });
  });

  it('answers a chunked body over the limit with 413 and closes the connection (no hang)', async () => {
    const chunk = 'x'.repeat(4096);
    const chunks = Array.from({ length: 64 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const response = await rawExchange(app, [
      Buffer.from('POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'),
      Buffer.from(chunks.join('') + '0\r\n\r\n'),
      Buffer.from('GET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ]);
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(bodyOf(response)).toEqual({ success: false, errors: [{ text: 'Request body is too large.' }] });
  });
});

describe('deadlines', () => {
  const deadline = String(Date.now() + 5_000);

  it('honours x-request-deadline from a service with a valid credential', async () => {
    const token = await testServiceToken('app-adv', 'app-billing');
    const response = await fetch(`${url}/trace`, {
      headers: { 'x-request-deadline': deadline, 'x-service-token': token },
    });
    expect(((await response.json()) as { data: any }).data.deadline).toBe(Number(deadline));
  });

  it.each([
    ['no credential', {}],
    ['a forged credential', { 'x-service-token': 'forged' }],
  ])('ignores x-request-deadline from a client with %s', async (_case, headers) => {
    for (const value of ['1', deadline]) {
      const response = await fetch(`${url}/trace`, { headers: { 'x-request-deadline': value, ...headers } });
      const trace = ((await response.json()) as { data: any }).data;
      expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(trace).not.toHaveProperty('deadline');
    }
  });
});

describe('security headers', () => {
  it('puts nosniff, frame denial, a locked-down CSP and no-store on API answers, errors included', async () => {
    for (const path of ['/ip', '/nowhere']) {
      const response = await fetch(`${url}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('keeps the caching a route chose', async () => {
    expect((await fetch(`${url}/cached`)).headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('gives the docs UI a CSP that lets it run its own scripts only', async () => {
    const response = await fetch(`${url}/docs/`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('client addresses', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (the default)', async () => {
    const response = await fetch(`${url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(((await response.json()) as { data: any }).data).toBe('127.0.0.1');
  });

  it('believes X-Forwarded-For from a configured proxy, up to the first untrusted address', async () => {
    const behindProxy = await server({ trustedProxies: ['127.0.0.1'] });
    try {
      const response = await fetch(`${urlOf(behindProxy)}/ip`, {
        headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' },
      });
      expect(((await response.json()) as { data: any }).data).toBe('203.0.113.7');
    } finally {
      await behindProxy.close();
    }
  });
});

describe('rate limits', () => {
  const tooMany = { success: false, errors: [{ text: 'Too many requests, try again later' }] };

  it('answers over the limit with 429 and Retry-After in the envelope', async () => {
    const limitedApp = await server();
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push(await fetch(`${urlOf(limitedApp)}/limited`, { method: 'POST' }));
      expect(statuses.map((response) => response.status)).toEqual([200, 200, 429]);
      expect(await statuses[2]!.json()).toEqual(tooMany);
      const retryAfter = Number(statuses[2]!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } finally {
      await limitedApp.close();
    }
  });

  it('counts per user on user routes, and never limits a service', async () => {
    const limitedApp = await server();
    const base = urlOf(limitedApp);
    try {
      const alice = { 'x-auth-token': await authority.tokenFor({ id: 1 }) };
      const bob = { 'x-auth-token': await authority.tokenFor({ id: 2 }) };
      const put = (path: string, headers: Record<string, string>) =>
        fetch(`${base}${path}`, { method: 'PUT', headers }).then((response) => response.status);
      expect([await put('/mine/1', alice), await put('/mine/1', alice), await put('/mine/1', alice)]).toEqual(
        [200, 200, 429],
      );
      expect(await put('/mine/2', bob)).toBe(200);
      const service = {
        'x-service-token': await testServiceToken('app-adv', 'app-billing'),
      };
      for (let i = 0; i < 4; i += 1) expect(await put('/mine/1', service)).toBe(200);
    } finally {
      await limitedApp.close();
    }
  });

  const stores: [string, () => KeyValueStore | undefined][] = [
    ['in memory', () => new InMemoryKeyValueStore()],
    [
      'Redis',
      () =>
        process.env.TEST_REDIS_URL
          ? new RedisKeyValueStore(process.env.TEST_REDIS_URL, `test-rate-${Date.now()}-${Math.random()}:`)
          : undefined,
    ],
  ];
  it.each(stores)(
    'shares its counters between replicas through the key-value port (%s)',
    async (name, make) => {
      const kv = make();
      if (!kv) {
        console.warn(`[tests] TEST_REDIS_URL is not set: the ${name} rate-limit store is not tested`);
        return;
      }
      const [first, second] = [await server({ kv }), await server({ kv })];
      try {
        const post = (replica: HttpServer) =>
          fetch(`${urlOf(replica)}/limited`, { method: 'POST' }).then((response) => response.status);
        expect([await post(first), await post(second), await post(first), await post(second)]).toEqual([
          200, 200, 429, 429,
        ]);
        // One counter per route and subject, under the route's own name.
        expect(await kv.get('rate-limit:POST:/limited:address:127.0.0.1')).toBe('4');
      } finally {
        await first.close();
        await second.close();
        await kv.close();
      }
    },
  );
});
