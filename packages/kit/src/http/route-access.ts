import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Who may call a route, declared once in its options (`config: { access: 'self' }`): the guard it
 * runs and the `security` its OpenAPI operation shows both follow from it, and the entry point's
 * route rules are tested equal to it.
 * - `public`: anyone;
 * - `user`: a valid user token (401 otherwise);
 * - `self`: a valid user token whose id is the `{userId}` of the path (401, then 404, then 403);
 * - `{ service }`: a credential of that service (403 otherwise, whatever user token is present);
 * - `{ selfOrService }`: that service's credential when one is sent, else the `self` rules.
 */
export type RouteAccess = 'public' | 'user' | 'self' | { service: string } | { selfOrService: string };

/** Access that needs a credential: everything but `public`. */
export type GuardedAccess = Exclude<RouteAccess, 'public'>;

/** An `onRequest` check that throws the route's 401/403/404. */
export type RouteGuard = (request: FastifyRequest) => Promise<void>;

/** One route as the server registered it, with the access it declared (none for the server's own). */
export interface RouteTableEntry {
  method: string;
  url: string;
  access?: RouteAccess;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every route registered so far and its declared access (HEAD twins left out). */
    routeTable: RouteTableEntry[];
  }
}

const USER = [{ userToken: [] }];
const SERVICE = [{ serviceToken: [] }];

/** The OpenAPI `security` of an operation with `access` (none for a public one). */
export function securityOf(access: RouteAccess): { [scheme: string]: string[] }[] | undefined {
  if (access === 'public') return undefined;
  if (access === 'user' || access === 'self') return USER;
  return 'service' in access ? SERVICE : [...USER, ...SERVICE];
}

export interface RouteAccessOptions {
  /** The guard for an access; a server without it serves public routes only. */
  guardFor?: (access: GuardedAccess) => RouteGuard;
}

/**
 * Applies each route's declared access: its guard runs first in `onRequest` (before the body is
 * read, so 401/403 come before any 400) and its `security` is set from it — a route may not state
 * its own. Also keeps `app.routeTable`.
 */
export const routeAccess = fp<RouteAccessOptions>(
  async (app, options) => {
    app.decorate('routeTable', []);
    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (route.method !== 'HEAD') {
        app.routeTable.push({ method: String(route.method), url: route.url, ...(access ? { access } : {}) });
      }
      if (access === undefined || access === 'public') return;
      const where = `${String(route.method)} ${route.url}`;
      if (route.schema && 'security' in route.schema) {
        throw new Error(`${where}: its security follows from its access; do not set it`);
      }
      if (!options.guardFor)
        throw new Error(`${where}: this server has no guards for '${JSON.stringify(access)}'`);
      const guard: onRequestAsyncHookHandler = options.guardFor(access);
      const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
      route.onRequest = [guard, ...own];
      route.schema = { ...route.schema, security: securityOf(access) };
    });
  },
  { name: 'route-access', fastify: '5.x' },
);
