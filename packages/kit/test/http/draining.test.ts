import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createMetricsRegistry } from '../../src/metrics.js';
import { Service } from '../../src/service.js';

// A service being replaced (a rolling update) stops listening, then finishes what is in flight. A
// client with a kept-alive connection — the entry point, an ingress — may send its next request on
// that connection before it learns of the close: it is served, not refused with a 503, and the
// answer closes the connection so the client's next request goes to a listener still open.

const sockets: Socket[] = [];
afterEach(() => sockets.splice(0).forEach((socket) => socket.destroy()));

async function waitFor(condition: () => Promise<boolean>, what: string, deadlineMs = 5_000) {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => resolve(false)).once('error', () => resolve(true));
    probe.once('close', () => probe.destroy());
    sockets.push(probe);
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
    http.get('/slow', async () => {
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
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    socket.write(request('/slow'));
    await waitFor(async () => socket.readyState === 'open', 'the connection');

    const stopped = service.stop();
    await waitFor(() => refused(port), 'the service to stop listening');
    socket.write(request('/fast')); // the kept-alive connection's next request, pipelined
    release();
    await stopped;

    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((answer) => answer.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(answers[1]).toMatch(/\r\nconnection: close\r\n/i);
    expect(answers[1]).toContain('"data":"fast"');
  });
});
