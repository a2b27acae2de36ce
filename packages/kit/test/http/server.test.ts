import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusinessError } from '../../src/http/errors.js';
import { PositiveInt, Text, UserIdParams } from '../../src/http/fields.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { currentTrace } from '../../src/trace.js';

let app: HttpServer;
let dependencyUp = true;

beforeAll(async () => {
  app = await createHttpServer({
    service: 'test-service',
    logger: createLogger('test-service', 'silent'),
    metrics: createMetricsRegistry('test-service'),
    readiness: [
      {
        name: 'database',
        check: async () => {
          if (!dependencyUp) throw new Error('down');
        },
      },
    ],
    bodyLimitBytes: 1024,
  });
  const Body = Type.Object({ title: Text(), sum: PositiveInt(100) });
  app.post('/echo', { schema: { body: Body } }, async (request) => ({ success: true, data: request.body }));
  app.get('/things/:userId', { schema: { params: UserIdParams } }, async (request) => ({
    success: true,
    data: { userId: request.params.userId, type: typeof request.params.userId },
  }));
  app.get('/boom', async () => {
    throw new Error(
      'relation "secret_table" does not exist at Pool.query (/app/node_modules/pg/lib/client.js)',
    );
  });
  app.get('/trace', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { success: true, data: currentTrace() };
  });
  app.get('/rule', async () => {
    throw new BusinessError('Недостаточно средств на счёте');
  });
  await app.ready();
});

afterAll(() => app.close());

const echo = (payload: string, contentType?: string) =>
  app.inject({
    method: 'POST',
    url: '/echo',
    payload,
    headers: contentType ? { 'content-type': contentType } : {},
  });

describe('request bodies', () => {
  it.each([undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded'])(
    'reads the body as JSON with content-type %s',
    async (contentType) => {
      const response = await echo('{"title":"a","sum":5,"unknown":1}', contentType);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ success: true, data: { title: 'a', sum: 5 } });
    },
  );

  it('answers malformed JSON with a 400 validation error', async () => {
    const response = await echo('{"title": "a",', 'application/json');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ success: false, errors: [{ text: 'Malformed JSON.', field: 'body' }] });
  });

  it('treats an empty body as an empty object', async () => {
    const response = await echo('', 'application/json');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { field: 'title', text: 'Поле не может быть пустым' },
      { field: 'sum', text: 'Поле не может быть пустым' },
    ]);
  });

  it('answers a wrong type with a 400, never a 500', async () => {
    const response = await echo('{"title":["x"],"sum":"5"}');
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { field: 'title', text: 'This value should be of type string.' },
      { field: 'sum', text: 'This value should be of type int.' },
    ]);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await echo(JSON.stringify({ title: 'x'.repeat(2000), sum: 1 }));
    expect(response.statusCode).toBe(413);
    expect(response.json().success).toBe(false);
  });
});

describe('errors', () => {
  it('renders an unknown route as 404 in the envelope', async () => {
    const response = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ success: false, errors: [{ text: 'Not found' }] });
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999'])('answers a {userId} of %s with 404', async (id) => {
    const response = await app.inject({ method: 'GET', url: `/things/${id}` });
    expect(response.statusCode).toBe(404);
  });

  it('converts a valid {userId} to a number', async () => {
    const response = await app.inject({ method: 'GET', url: '/things/42' });
    expect(response.json().data).toEqual({ userId: 42, type: 'number' });
  });

  it('hides the internals of an unexpected error', async () => {
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"success":false,"errors":[{"text":"Internal server error"}]}');
  });

  it('renders a business rule failure as 400 with its text', async () => {
    const response = await app.inject({ method: 'GET', url: '/rule' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ success: false, errors: [{ text: 'Недостаточно средств на счёте' }] });
  });
});

describe('operational endpoints', () => {
  it('answers /health', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.json()).toEqual({ success: true });
  });

  it('answers /ready with 200 only while the dependencies answer', async () => {
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    dependencyUp = false;
    const down = await app.inject({ method: 'GET', url: '/ready' });
    dependencyUp = true;
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ success: false, errors: [{ text: 'database is unavailable' }] });
  });

  it('serves Prometheus metrics including request durations', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(
      /http_request_duration_seconds_count\{service="test-service",method="GET",route="\/health",status_code="200"\} [1-9]/,
    );
  });

  it('serves the OpenAPI document and its UI', async () => {
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/echo');
    expect((await app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it('runs each request in its own trace, continuing the caller’s traceparent', async () => {
    const traceId = 'f'.repeat(32);
    const [continued, fresh] = await Promise.all([
      app.inject({
        method: 'GET',
        url: '/trace',
        headers: { traceparent: `00-${traceId}-${'1'.repeat(16)}-01` },
      }),
      app.inject({ method: 'GET', url: '/trace' }),
    ]);
    expect(continued.json().data).toMatchObject({ traceId, requestId: continued.headers['x-request-id'] });
    expect(continued.json().data.spanId).not.toBe('1'.repeat(16));
    expect(fresh.json().data.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.json().data.traceId).not.toBe(traceId);
    expect(currentTrace()).toBeUndefined();
  });

  it('echoes a request id and keeps one the client sent', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(response.headers['x-request-id']).toBe('abc-123');
  });
});
