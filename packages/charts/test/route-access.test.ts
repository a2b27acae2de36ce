import { advService } from '@adboard/app-adv';
import { authService } from '@adboard/app-auth';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { userService } from '@adboard/app-user';
import {
  ALWAYS_INTERNAL_PREFIXES,
  ALWAYS_PUBLIC_PREFIXES,
  classifyRoute,
  matchesPrefix,
  ROUTE_RULES,
  SERVICE_NAMES,
  type RouteAccess as EdgeAccess,
  type ServiceName,
} from '@adboard/gateway';
import {
  createLogger,
  Database,
  generateSigningKey,
  InMemoryEventBus,
  InMemoryKeyValueStore,
  loadConfig,
  type RouteAccess,
  type RouteTableEntry,
  type ServiceModule,
} from '@adboard/kit';
import { TEST_SERVICE_SECRET } from '@adboard/kit/testing';
import type { TObject } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';

/**
 * The entry point's route rules (route-rules.ts, which ingress.test.ts holds the ingress and the
 * charts' values to) against the access each service declares on its own routes: a route cannot be
 * public at the edge and guarded in the service, or the reverse.
 */

const MODULES: Record<ServiceName, ServiceModule<TObject>> = {
  'app-user': userService,
  'app-auth': authService,
  'app-billing': billingService,
  'app-bonus': bonusService,
  'app-adv': advService,
  'app-notify': notifyService,
};

/** The routes `module` registers, from building it without starting it (nothing is connected). */
async function routeTableOf(module: ServiceModule<TObject>): Promise<RouteTableEntry[]> {
  const db = new Database({ url: 'postgres://127.0.0.1:1/never-connected' });
  const bus = new InMemoryEventBus();
  const config = loadConfig(module.configSchema, {
    SERVICE_SECRET: TEST_SERVICE_SECRET,
    AUTH_PRIVATE_KEY: generateSigningKey(),
    ...Object.fromEntries(
      ['AUTH_JWKS_URL', 'USER_SERVICE_URL', 'BILLING_SERVICE_URL', 'BONUS_SERVICE_URL'].map((name) => [
        name,
        'http://127.0.0.1:1/never-called',
      ]),
    ),
  });
  const ports = { logger: createLogger(module.name, 'silent'), db, bus, kv: new InMemoryKeyValueStore() };
  const service = await module.create(config, ports);
  await service.http.ready();
  const table = [...service.http.routeTable];
  await service.http.close();
  await bus.close();
  await db.close();
  return table;
}

const tables = Object.fromEntries(
  await Promise.all(SERVICE_NAMES.map(async (name) => [name, await routeTableOf(MODULES[name])] as const)),
) as Record<ServiceName, RouteTableEntry[]>;

/** How the entry point must treat a route with `access`: users reach guarded routes with a session. */
function edgeAccessOf(access: RouteAccess): EdgeAccess {
  if (access === 'public') return 'public';
  return typeof access === 'object' && 'service' in access ? 'internal' : 'protected';
}

/** A concrete path of a route: each `:param` as `1`. */
const samplePath = (url: string) => url.replace(/:[^/]+/g, '1');

const isServersOwn = (url: string) =>
  [...ALWAYS_PUBLIC_PREFIXES, ...ALWAYS_INTERNAL_PREFIXES].some((prefix) => matchesPrefix(prefix, url));

describe.each(SERVICE_NAMES)('the routes of %s', (service) => {
  const declared = tables[service].filter((route) => route.access !== undefined);

  it('declare their access, all but the server’s own (health, readiness, metrics, docs)', () => {
    const undeclared = tables[service].filter(
      (route) => route.access === undefined && !isServersOwn(route.url),
    );
    expect(undeclared).toEqual([]);
    expect(declared.length).toBeGreaterThan(0);
  });

  it.each(declared.map((route) => [`${route.method} ${route.url}`, route] as const))(
    '%s: the entry point treats it as its access says',
    (_name, route) => {
      expect(classifyRoute(service, samplePath(route.url))).toBe(edgeAccessOf(route.access!));
    },
  );

  it('has no public or internal rule at the edge that none of its routes needs', () => {
    const needed = (prefix: string, edge: EdgeAccess) =>
      declared.some(
        (route) => edgeAccessOf(route.access!) === edge && matchesPrefix(prefix, samplePath(route.url)),
      );
    const stale = [
      ...ROUTE_RULES[service].public.filter((prefix) => !needed(prefix, 'public')),
      ...ROUTE_RULES[service].internal.filter((prefix) => !needed(prefix, 'internal')),
    ];
    expect(stale).toEqual([]);
  });
});
