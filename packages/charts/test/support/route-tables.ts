import { advService } from '@adboard/app-adv';
import { authService } from '@adboard/app-auth';
import { billingService } from '@adboard/app-billing';
import { bonusService } from '@adboard/app-bonus';
import { notifyService } from '@adboard/app-notify';
import { userService } from '@adboard/app-user';
import { SERVICE_NAMES, type RouteAccess as EdgeAccess, type ServiceName } from '@adboard/gateway';
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
import { testKeySettings } from '@adboard/kit/testing';
import type { TObject } from '@sinclair/typebox';

/** The services' own route tables: what each declares about who may call its routes. */

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
    ...testKeySettings(module.name as ServiceName),
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

export const routeTables = Object.fromEntries(
  await Promise.all(SERVICE_NAMES.map(async (name) => [name, await routeTableOf(MODULES[name])] as const)),
) as Record<ServiceName, RouteTableEntry[]>;

/** How the entry point must treat a route with `access`: users reach guarded routes with a session. */
export function edgeAccessOf(access: RouteAccess): EdgeAccess {
  if (access === 'public') return 'public';
  return typeof access === 'object' && 'service' in access ? 'internal' : 'protected';
}

/** A concrete path of a route: each `:param` as `1`. */
export const samplePath = (url: string) => url.replace(/:[^/]+/g, '1');

/** The routes of `service` that declare their access. */
export const declaredRoutes = (service: ServiceName) =>
  routeTables[service].filter((route): route is Required<RouteTableEntry> => route.access !== undefined);
