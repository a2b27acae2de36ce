import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

/** What Node's HTTP parser refused, as the status and text the client gets. */
function answerFor(code: string | undefined): [number, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'Request header fields are too large.'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'Request timeout.'];
  return [400, 'Bad request.'];
}

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse (a malformed request line, headers
 * over the limit, a request that took too long to arrive) never reaches a route, so the answer is
 * written to the socket here — in the contract's envelope — and the connection is closed.
 */
export function clientErrorHandler(logger: Logger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, text] = answerFor(error.code);
    logger.debug({ err: error, status }, 'request refused by the HTTP parser');
    const body = JSON.stringify({ success: false, errors: [{ text }] });
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'X-Content-Type-Options: nosniff',
        'Cache-Control: no-store',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  };
}
