import type { IncomingHttpHeaders } from 'node:http';
import { DEADLINE_HEADER, REQUEST_ID_HEADER, USER_TOKEN_HEADER } from '@adboard/contracts';
import { ServiceCredentials } from '@adboard/kit';

export interface ForwardingContext {
  /**
   * Where the request came from, client first: the peer that connected to the entry point, preceded
   * by the part of its X-Forwarded-For chain that trusted proxies vouch for (none by default).
   */
  forwardedFor: string[];
  protocol: string;
  host: string | undefined;
  requestId: string;
  traceparent: string;
  /** The session's token from forward auth (protected routes). */
  userToken?: string;
}

/**
 * Request headers a client may never pass to a service. One list, so that nothing a service
 * believes can be said by a client through the entry point:
 * - what only a service or the entry point may say: who is calling (the service credential), who
 *   the user is (forward auth's token, set again on protected routes), how long the caller waits
 *   (a deadline makes a service give up and roll back);
 * - where the request came from: the forwarded chain is rebuilt from what the entry point trusts;
 * - what describes the client's own connection (hop-by-hop), including `Expect`, which the
 *   entry point has already answered (100 Continue) and its HTTP client cannot send on.
 */
export const CLIENT_HEADERS_NOT_FORWARDED: readonly string[] = [
  ServiceCredentials.header,
  USER_TOKEN_HEADER,
  DEADLINE_HEADER,
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
];

/** Hop-by-hop response headers that describe the upstream connection, not the client's. */
const UPSTREAM_CONNECTION_HEADERS = ['connection', 'keep-alive'];

/**
 * The headers of the upstream request: the client's, minus `CLIENT_HEADERS_NOT_FORWARDED`, with
 * the forward-auth token, the entry point's X-Forwarded-* and the trace context.
 */
export function upstreamRequestHeaders<H extends IncomingHttpHeaders>(
  headers: H,
  context: ForwardingContext,
): H {
  const result: IncomingHttpHeaders = { ...headers };
  for (const name of CLIENT_HEADERS_NOT_FORWARDED) delete result[name];
  if (context.userToken !== undefined) result[USER_TOKEN_HEADER] = context.userToken;
  result['x-forwarded-for'] = context.forwardedFor.join(', ');
  result['x-forwarded-proto'] = context.protocol;
  if (context.host) result['x-forwarded-host'] = context.host;
  result[REQUEST_ID_HEADER] = context.requestId;
  result.traceparent = context.traceparent;
  return result as H;
}

/** The upstream's response headers as the client gets them. */
export function clientResponseHeaders<H extends IncomingHttpHeaders>(headers: H): H {
  const result: IncomingHttpHeaders = { ...headers };
  for (const name of UPSTREAM_CONNECTION_HEADERS) delete result[name];
  return result as H;
}
