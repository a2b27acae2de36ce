import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuards } from '../../src/auth/guards.js';
import { generateSigningKey, publicKeyOf } from '../../src/auth/keys.js';
import { ServiceCredentials } from '../../src/auth/service-credentials.js';
import { TokenVerifier } from '../../src/auth/tokens.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { ServiceCallError, ServiceClient } from '../../src/http/service-client.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { freePort } from '../../src/testing/ports.js';
import { testSigningKey } from '../../src/testing/service.js';
import { currentTrace, traceFrom, withTrace } from '../../src/trace.js';

const adv = () => new ServiceCredentials('app-adv', { signingKey: testSigningKey('app-adv') });
let callee: HttpServer;
let url: string;

beforeAll(async () => {
  const credentials = new ServiceCredentials('app-billing', {
    callerKeys: [{ service: 'app-adv', publicKey: publicKeyOf(testSigningKey('app-adv')) }],
  });
  callee = await createHttpServer({
    service: 'app-billing',
    logger: createLogger('app-billing', 'silent'),
    metrics: createMetricsRegistry('app-billing'),
    readiness: [],
    serviceCredentials: credentials,
  });
  const guards = createGuards(TokenVerifier.local({ keys: [] }), credentials);
  callee.put('/echo', { onRequest: guards.service() }, async (request) => ({
    success: true,
    data: {
      caller: request.caller,
      trace: currentTrace(),
      body: request.body,
      userToken: request.headers['x-auth-token'],
    },
  }));
  url = await callee.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => callee.close());

describe('ServiceClient', () => {
  const client = () => new ServiceClient('app-billing', url, adv(), 1_500);

  it('carries the service credential, the trace, the request id, the user token and a deadline', async () => {
    const trace = { ...traceFrom(undefined), requestId: 'req-1' };
    const sentAt = Date.now();
    const response = await withTrace(trace, () =>
      client().request<{ data: any }>('PUT', '/echo', { body: { sum: 5 }, userToken: 'user.jwt.token' }),
    );
    expect(response.status).toBe(200);
    const { caller, trace: seen, body, userToken } = response.body.data;
    expect(caller).toBe('app-adv');
    expect(seen.traceId).toBe(trace.traceId);
    expect(seen.requestId).toBe('req-1');
    expect(seen.deadline).toBeGreaterThanOrEqual(sentAt + 1_500);
    expect(seen.deadline).toBeLessThan(sentAt + 3_000);
    expect(body).toEqual({ sum: 5 });
    expect(userToken).toBe('user.jwt.token');
  });

  it('returns a 4xx as an answer, not an exception', async () => {
    const outsider = new ServiceClient(
      'app-billing',
      url,
      new ServiceCredentials('app-adv', { signingKey: generateSigningKey() }),
    );
    const response = await outsider.request('PUT', '/echo');
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ success: false, errors: ['Access denied'] });
  });

  it('throws ServiceCallError (a 503) when the callee cannot be reached', async () => {
    const nowhere = new ServiceClient('app-billing', `http://127.0.0.1:${await freePort()}`, adv());
    await expect(nowhere.request('PUT', '/echo')).rejects.toMatchObject({
      statusCode: 503,
      target: 'app-billing',
    });
    await expect(nowhere.request('PUT', '/echo')).rejects.toBeInstanceOf(ServiceCallError);
  });
});
