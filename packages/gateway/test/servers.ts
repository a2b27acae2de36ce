import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an echo upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  url: string;
  /** Every request the server received, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** How a test server answers: a response, or `'hang'` for none at all. */
type Answer = { status: number; headers?: Record<string, string>; body: string } | 'hang';
type Responder = (seen: SeenRequest) => Answer;

async function listen(respond: Responder): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      const answer = respond(request);
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An upstream that answers 200 with a JSON echo of the request, except:
 * `/respond/<status>` answers that status with an envelope body and an `x-upstream` header,
 * `/plain/<status>` answers that status with a text body, `/hang` never answers.
 */
export function startEchoUpstream(): Promise<TestServer> {
  return listen((seen): Answer => {
    const path = seen.url.split('?')[0] ?? '';
    const respond = /^\/respond\/(\d{3})$/.exec(path);
    if (respond) {
      return {
        status: Number(respond[1]),
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-upstream': 'yes' },
        body: `{"success":false,"errors":[{"text":"upstream ${respond[1]}","field":"sum"}]}`,
      };
    }
    const plain = /^\/plain\/(\d{3})$/.exec(path);
    if (plain)
      return { status: Number(plain[1]), headers: { 'content-type': 'text/plain' }, body: 'nothing here' };
    if (path === '/hang') return 'hang';
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(seen) };
  });
}

/**
 * A stand-in for app-auth: `/api/v1/auth` answers 200 + `X-Auth-Token: token-for-<sid>` for
 * `sid=good`, 200 without a token for `sid=tokenless`, 500 for `sid=broken`, and 401 otherwise;
 * `/api/v1/auth` hangs for `sid=slow`. Every other path is echoed like an upstream.
 */
export function startFakeAuth(): Promise<TestServer> {
  return listen((seen): Answer => {
    const path = seen.url.split('?')[0];
    if (path === '/api/v1/auth') {
      const sid = /(?:^|;\s*)sid=([^;]*)/.exec(String(seen.headers.cookie ?? ''))?.[1];
      if (sid === 'good') {
        return { status: 200, headers: { 'x-auth-token': `token-for-${sid}` }, body: '{"success":true}' };
      }
      if (sid === 'tokenless') return { status: 200, body: '{"success":true}' };
      if (sid === 'broken') return { status: 500, body: '{"success":false}' };
      if (sid === 'slow') return 'hang';
      return { status: 401, body: '{"success":false,"errors":["Unauthorized"]}' };
    }
    if (path === '/health') return { status: 200, body: '{"success":true}' };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(seen) };
  });
}

/** A URL on which nothing listens. */
export async function closedPortUrl(): Promise<string> {
  const server = await listen(() => ({ status: 200, body: '' }));
  await server.close();
  return server.url;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request with the path sent byte for byte (fetch would normalise `..`, `//` and the like)
 * and full control over the headers (no content-type added).
 */
export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | string[] },
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const parts = typeof options.body === 'string' ? [options.body] : (options.body ?? []);
    for (const part of parts) req.write(part);
    req.end();
  });
}
