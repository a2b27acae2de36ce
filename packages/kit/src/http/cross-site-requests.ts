import type { IncomingHttpHeaders } from 'node:http';
import fp from 'fastify-plugin';
import { AccessDeniedError } from './errors.js';

/** The methods that may change something: a page on another site must not be able to send them. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a browser says the request comes from a page of another site: `Sec-Fetch-Site`
 * `cross-site` or `same-site` (a sibling subdomain), or, from a browser that does not send it, an
 * `Origin` whose host is not the one the request was addressed to (`host`: the Host, or the
 * X-Forwarded-Host of a trusted proxy). A request without either header is not a browser's page
 * (curl, newman, a service); an origin in `allowed` is let through.
 */
export function fromAnotherSite(
  headers: IncomingHttpHeaders,
  host: string,
  allowed: ReadonlySet<string>,
): boolean {
  const origin = headers.origin;
  if (origin !== undefined && allowed.has(origin)) return false;
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'cross-site' || site === 'same-site';
  return origin !== undefined && !sameHost(origin, host);
}

/** An origin as browsers send it: `HTTPS://Board.example:443` → `https://board.example`. */
function canonical(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/** `Origin: http://board.example` and `Host: board.example:80` are one host; `null` is none. */
function sameHost(origin: string, host: string): boolean {
  try {
    const page = new URL(origin);
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * Refuses with 403 `["Access denied"]` a state-changing request that a browser sent from another
 * site's page, before anything reads it: bodies are JSON whatever the Content-Type, so a
 * `<form enctype="text/plain">` on any site could otherwise post one without a preflight — a login
 * into the attacker's account (login CSRF), or a change in the victim's session. `allowedOrigins`
 * lists the pages of other origins that may (`ALLOWED_ORIGINS`).
 */
export const crossSiteRequests = fp<{ allowedOrigins?: readonly string[] }>(
  async (app, options) => {
    const allowed = new Set((options.allowedOrigins ?? []).map(canonical));
    app.addHook('onRequest', async (request) => {
      if (STATE_CHANGING.has(request.method) && fromAnotherSite(request.headers, request.host, allowed))
        throw new AccessDeniedError();
    });
  },
  { name: 'cross-site-requests', fastify: '5.x' },
);
