import { createLogger } from '@adboard/kit';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index.js';

// A service pod that is being replaced closes the gateway's kept-alive connection under it: a GET or
// HEAD that meets a closed connection is sent once more (as nginx does for idempotent requests); a
// request that may change something is never repeated.
let upstream: Server;
let gateway: Gateway;
let gatewayUrl: string;
/** Requests the upstream received, by method; it drops the connection of the first of each method. */
const received: Record<string, number> = {};

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const method = req.method ?? '';
    received[method] = (received[method] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      if (received[method] === 1) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gateway = await createGateway({
    upstreams: { 'app-user': `http://127.0.0.1:${port}` },
    logger: createLogger('gateway-test', 'silent'),
  });
  gatewayUrl = await gateway.start(0, '127.0.0.1');
});

afterAll(async () => {
  await gateway.stop();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('an upstream connection that closes under a request', () => {
  it('sends a GET once more and answers what the service answered', async () => {
    const response = await fetch(`${gatewayUrl}/app-user/health`);
    expect(response.status).toBe(200);
    expect(received.GET).toBe(2);
  });

  it('never repeats a POST: it answers 503', async () => {
    const response = await fetch(`${gatewayUrl}/app-user/api/v1/user/create`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(received.POST).toBe(1);
  });
});
