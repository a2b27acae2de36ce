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
  name: ServiceName;
  /** Whether it keeps its own PostgreSQL database. */
  database: boolean;
  /** The setting through which other services find it, when any service calls it. */
  urlVariable?: string;
  /** The services whose credential its internal routes accept. */
  callers: readonly ServiceName[];
}

export const SERVICES: Readonly<Record<ServiceName, ServiceEntry>> = {
  'app-auth': { name: 'app-auth', database: false, callers: [] },
  'app-user': { name: 'app-user', database: true, urlVariable: 'USER_SERVICE_URL', callers: ['app-auth'] },
  'app-billing': {
    name: 'app-billing',
    database: true,
    urlVariable: 'BILLING_SERVICE_URL',
    callers: ['app-adv'],
  },
  'app-bonus': { name: 'app-bonus', database: true, urlVariable: 'BONUS_SERVICE_URL', callers: ['app-adv'] },
  'app-adv': { name: 'app-adv', database: true, callers: [] },
  'app-notify': { name: 'app-notify', database: true, callers: [] },
};

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** The service's database name, e.g. `app_billing`. */
export const databaseNameOf = (name: ServiceName) => name.replace('-', '_');

/** The gateway's setting for the service's base URL, e.g. `APP_BILLING_URL`. */
export const upstreamVariableOf = (name: ServiceName) => `${databaseNameOf(name).toUpperCase()}_URL`;

/** The settings that tell every service where the services it may call are, given their URLs. */
export function serviceUrlSettings(urlOf: (name: ServiceName) => string): Record<string, string> {
  return Object.fromEntries(
    SERVICE_NAMES.flatMap((name) => {
      const variable = SERVICES[name].urlVariable;
      return variable ? [[variable, urlOf(name)]] : [];
    }),
  );
}

/** The `/.well-known/jwks.json` of app-auth, which every service checks user tokens against. */
export const authJwksUrl = (authUrl: string) => `${authUrl}/.well-known/jwks.json`;
