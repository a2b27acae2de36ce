/**
 * The entry point's route table: which paths of each service are public (no session needed), which
 * are internal (never exposed), and — by elimination — which are protected (forward auth). The local
 * gateway applies it, and the Helm chart tests check the ingress against it, so both stay the same;
 * they also check it against the access each service declares on its routes (`config: { access }`),
 * so the edge and the services agree (packages/charts/test/route-access.test.ts).
 *
 * A prefix `p` matches the path `p` itself and everything under it (`p/...`); a prefix ending in
 * `/` matches everything that starts with it (so `/` matches every path).
 */

import type { ServiceName } from '@adboard/contracts';

export { isServiceName, SERVICE_NAMES, type ServiceName } from '@adboard/contracts';

export interface ServiceRouteRules {
  /** Reachable without a session. */
  readonly public: readonly string[];
  /** Called only by other services: the entry point answers 404. */
  readonly internal: readonly string[];
}

/** Public on every service: liveness, readiness and the API docs. */
export const ALWAYS_PUBLIC_PREFIXES: readonly string[] = ['/health', '/ready', '/docs'];

/** Internal on every service: the metrics are scraped on the service's own port, never through the entry point. */
export const ALWAYS_INTERNAL_PREFIXES: readonly string[] = ['/metrics'];

export const ROUTE_RULES: Readonly<Record<ServiceName, ServiceRouteRules>> = {
  'app-user': { public: ['/api/v1/user/create'], internal: ['/api/v1/internal'] },
  'app-auth': { public: ['/'], internal: [] },
  'app-billing': { public: [], internal: ['/api/v1/account/pay'] },
  'app-bonus': { public: [], internal: ['/api/v1/bonus/add', '/api/v1/bonus/rollback'] },
  'app-adv': { public: ['/api/v1/board'], internal: [] },
  'app-notify': { public: [], internal: [] },
};

export type RouteAccess = 'public' | 'protected' | 'internal';

export function matchesPrefix(prefix: string, path: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * How the entry point treats `path` (the path after the `/<service>` prefix, already normalised and
 * percent-decoded). Internal wins over public, so no public prefix can expose an internal route.
 */
export function classifyRoute(service: ServiceName, path: string): RouteAccess {
  const rules = ROUTE_RULES[service];
  const internalPrefixes = [...ALWAYS_INTERNAL_PREFIXES, ...rules.internal];
  if (internalPrefixes.some((prefix) => matchesPrefix(prefix, path))) return 'internal';
  const publicPrefixes = [...ALWAYS_PUBLIC_PREFIXES, ...rules.public];
  if (publicPrefixes.some((prefix) => matchesPrefix(prefix, path))) return 'public';
  return 'protected';
}
