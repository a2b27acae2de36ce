import {
  ALWAYS_INTERNAL_PREFIXES,
  ALWAYS_PUBLIC_PREFIXES,
  classifyRoute,
  matchesPrefix,
  ROUTE_RULES,
  SERVICE_NAMES,
  type RouteAccess as EdgeAccess,
} from '@adboard/gateway';
import { describe, expect, it } from 'vitest';
import { declaredRoutes, edgeAccessOf, routeTables, samplePath } from './support/route-tables.js';

/**
 * The entry point's route rules (route-rules.ts, which ingress.test.ts holds the ingress and the
 * charts' values to) against the access each service declares on its own routes: a route cannot be
 * public at the edge and guarded in the service, or the reverse.
 */

const isServersOwn = (url: string) =>
  [...ALWAYS_PUBLIC_PREFIXES, ...ALWAYS_INTERNAL_PREFIXES].some((prefix) => matchesPrefix(prefix, url));

describe.each(SERVICE_NAMES)('the routes of %s', (service) => {
  const declared = declaredRoutes(service);

  it('declare their access, all but the server’s own (health, readiness, metrics, docs)', () => {
    const undeclared = routeTables[service].filter(
      (route) => route.access === undefined && !isServersOwn(route.url),
    );
    expect(undeclared).toEqual([]);
    expect(declared.length).toBeGreaterThan(0);
  });

  it.each(declared.map((route) => [`${route.method} ${route.url}`, route] as const))(
    '%s: the entry point treats it as its access says',
    (_name, route) => {
      expect(classifyRoute(service, samplePath(route.url))).toBe(edgeAccessOf(route.access));
    },
  );

  it('has no public or internal rule at the edge that none of its routes needs', () => {
    const needed = (prefix: string, edge: EdgeAccess) =>
      declared.some(
        (route) => edgeAccessOf(route.access) === edge && matchesPrefix(prefix, samplePath(route.url)),
      );
    const stale = [
      ...ROUTE_RULES[service].public.filter((prefix) => !needed(prefix, 'public')),
      ...ROUTE_RULES[service].internal.filter((prefix) => !needed(prefix, 'internal')),
    ];
    expect(stale).toEqual([]);
  });
});
