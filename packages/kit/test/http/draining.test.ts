import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { Service } from '../../src/service.js';
import { waitFor } from '../../src/testing/wait.js';

// A service being replaced (a rolling update) stops listening, then finishes what is in flight. A
// client with a kept-alive connection — the entry point, an ingress — may send its next request on
// that connection before it learns of the close: it is served, not refused with a 503, and the
// answer closes the connection so the client's next request goes to a listener still open.

const sockets: Socket[] = [];
afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => (probe.destroy(), resolve(false))).once('error', () => resolve(true));
  });

describe('a request on a kept-alive connection while the service stops', () => {
  it('is answered by the route, with Connection: close', async () => {
    const http = await createHttpServer({
      service: 'draining-test',
      logger: createLogger('draining-test', 'silent'),
      metrics: createMetricsRegistry('draining-test'),
      readiness: [],
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let slowStarted = false;
    http.get('/slow', async () => {
      slowStarted = true;
      await released;
      return { success: true, data: 'slow' };
    });
    http.get('/fast', async () => ({ success: true, data: 'fast' }));
    const service = new Service({
      name: 'draining-test',
      logger: createLogger('draining-test', 'silent'),
      http,
    });
    const url = new URL(await service.start(0, '127.0.0.1'));
    const port = Number(url.port);

    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    let closed = false;
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => (closed = true));
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    socket.write(request('/slow'));
    // In its handler, so the connection is busy (an idle one is simply closed at stop).
    await waitFor(() => slowStarted, { what: 'the first request to reach its route' });

    const stopped = service.stop();
    await waitFor(() => refused(port), { what: 'the service to stop listening' });
    socket.write(request('/fast')); // the kept-alive connection's next request, pipelined
    release();
    await stopped;
    await waitFor(() => closed, { what: 'the service to close the connection after its answers' });

    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((answer) => answer.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(answers[1]).toContain('"data":"fast"');
  });
});
