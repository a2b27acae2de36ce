/** The service catalogue: every service, with what the launchers and the gateway need to wire it. */
export const SERVICE_NAMES = [
  'app-user',
  'app-auth',
  'app-billing',
  'app-bonus',
  'app-adv',
  'app-notify',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceEntry {
  /** Whether it keeps its own PostgreSQL database. */
  readonly database: boolean;
  /** The setting through which other services find it, when another service calls it. */
  readonly urlVariable?: string;
  /** The gateway's setting for its base URL. */
  readonly upstreamVariable: string;
  /** The services whose credential its internal routes accept (the audience rules). */
  readonly callers: readonly ServiceName[];
}

export const SERVICES = {
  'app-user': {
    database: true,
    urlVariable: 'USER_SERVICE_URL',
    upstreamVariable: 'APP_USER_URL',
    callers: ['app-auth'],
  },
  'app-auth': { database: false, upstreamVariable: 'APP_AUTH_URL', callers: [] },
  'app-billing': {
    database: true,
    urlVariable: 'BILLING_SERVICE_URL',
    upstreamVariable: 'APP_BILLING_URL',
    callers: ['app-adv'],
  },
  'app-bonus': {
    database: true,
    urlVariable: 'BONUS_SERVICE_URL',
    upstreamVariable: 'APP_BONUS_URL',
    callers: ['app-adv'],
  },
  'app-adv': { database: true, upstreamVariable: 'APP_ADV_URL', callers: [] },
  'app-notify': { database: true, upstreamVariable: 'APP_NOTIFY_URL', callers: [] },
} as const satisfies Record<ServiceName, ServiceEntry>;

export type UpstreamVariable = (typeof SERVICES)[ServiceName]['upstreamVariable'];

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** The services whose internal routes `name` calls (it is one of their `callers`). */
export function calleesOf(name: ServiceName): ServiceName[] {
  return SERVICE_NAMES.filter((callee) =>
    (SERVICES[callee].callers as readonly ServiceName[]).includes(name),
  );
}

/** The service's database name, e.g. `app_billing`. */
export const databaseNameOf = (name: ServiceName) => name.replace('-', '_');

/**
 * What every service is told about the others, given where each listens: where the services it may
 * call are, and app-auth's keys to check user tokens against.
 */
export function serviceWiring(urlOf: (name: ServiceName) => string): Record<string, string> {
  return {
    AUTH_JWKS_URL: `${urlOf('app-auth')}/.well-known/jwks.json`,
    ...Object.fromEntries(
      SERVICE_NAMES.flatMap((name) => {
        const entry: ServiceEntry = SERVICES[name];
        return entry.urlVariable ? [[entry.urlVariable, urlOf(name)]] : [];
      }),
    ),
  };
}

/** The gateway's upstream settings, given where each service listens. */
export function upstreamSettings(urlOf: (name: ServiceName) => string): Record<UpstreamVariable, string> {
  return Object.fromEntries(
    SERVICE_NAMES.map((name) => [SERVICES[name].upstreamVariable, urlOf(name)]),
  ) as Record<UpstreamVariable, string>;
}
