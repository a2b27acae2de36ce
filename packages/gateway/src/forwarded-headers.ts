import type { IncomingHttpHeaders } from 'node:http';
import { ServiceCredentials, USER_TOKEN_HEADER } from '@adboard/kit';

export interface ForwardingContext {
  /** The address of the peer that connected to the entry point. */
  clientAddress: string;
  protocol: string;
  host: string | undefined;
  requestId: string;
  traceparent: string;
  /** The session's token from forward auth (protected routes): replaces whatever the client sent. */
  userToken?: string;
}

/** Hop-by-hop response headers that describe the upstream connection, not the client's. */
const UPSTREAM_CONNECTION_HEADERS = ['connection', 'keep-alive'];

/**
 * The headers of the upstream request: the client's, minus any service credential (clients never
 * pass one), with the forward-auth token, the proxy's X-Forwarded-* and the trace context.
 */
export function upstreamRequestHeaders<H extends IncomingHttpHeaders>(
  headers: H,
  context: ForwardingContext,
): H {
  const result: IncomingHttpHeaders = { ...headers };
  delete result[ServiceCredentials.header];
  if (context.userToken !== undefined) result[USER_TOKEN_HEADER] = context.userToken;
  const forwardedFor = headers['x-forwarded-for'];
  const previous = Array.isArray(forwardedFor) ? forwardedFor.join(', ') : forwardedFor;
  result['x-forwarded-for'] = previous ? `${previous}, ${context.clientAddress}` : context.clientAddress;
  result['x-forwarded-proto'] = context.protocol;
  if (context.host) result['x-forwarded-host'] = context.host;
  else delete result['x-forwarded-host'];
  result['x-request-id'] = context.requestId;
  result.traceparent = context.traceparent;
  return result as H;
}

/** The upstream's response headers as the client gets them. */
export function clientResponseHeaders<H extends IncomingHttpHeaders>(headers: H): H {
  const result: IncomingHttpHeaders = { ...headers };
  for (const name of UPSTREAM_CONNECTION_HEADERS) delete result[name];
  return result as H;
}
