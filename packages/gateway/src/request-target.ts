import { HttpError } from '@adboard/kit';

/** Where a client request goes: `/<service><path>?<query>`. */
export interface RequestTarget {
  /** The first path segment, as sent. */
  service: string;
  /** The path to forward: dot segments resolved, repeated slashes merged, percent-encoding kept. */
  path: string;
  /** `path` percent-decoded: what the route rules are checked against. */
  routePath: string;
}

class BadPathError extends HttpError {
  constructor() {
    super(400, [{ text: 'Bad request.' }]);
  }
}

/**
 * Splits a raw request URL into the service and the path to forward. The path is normalised the
 * way the upstream's router will read it, so that no spelling (`/a/../pay`, `//pay`, `%70ay`,
 * `%2F`) can reach an internal route the rules would refuse under its plain name.
 */
export function parseRequestTarget(rawUrl: string): RequestTarget {
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const match = /^\/([^/]*)(.*)$/.exec(rawPath);
  const service = match?.[1] ?? '';
  const rest = match?.[2] || '/';
  const path = new URL(`http://gateway.invalid${rest}`).pathname.replace(/\/{2,}/g, '/');
  let routePath: string;
  try {
    routePath = decodeURIComponent(path).replace(/\/{2,}/g, '/');
  } catch {
    throw new BadPathError();
  }
  if (routePath.split('/').some((segment) => segment === '.' || segment === '..')) throw new BadPathError();
  return { service, path, routePath };
}
