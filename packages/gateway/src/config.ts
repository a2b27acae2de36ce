import { SERVICE_NAMES, SERVICES, type ServiceName, type UpstreamVariable } from '@adboard/contracts';
import { commonSettings, OriginsSetting, Type, UrlSetting, type Static } from '@adboard/kit';
import { defaultWebRoot } from './web-front-end.js';

const upstreamUrl = (service: ServiceName) => Type.Optional(UrlSetting(`${service} base URL`));

/** `APP_USER_URL` and the like, one per service in the catalogue. */
const upstreamUrls = Object.fromEntries(
  SERVICE_NAMES.map((name) => [SERVICES[name].upstreamVariable, upstreamUrl(name)]),
) as Record<UpstreamVariable, ReturnType<typeof upstreamUrl>>;

export const gatewayConfigSchema = Type.Object({
  PORT: commonSettings.PORT,
  HOST: commonSettings.HOST,
  LOG_LEVEL: commonSettings.LOG_LEVEL,
  LOG_FORMAT: commonSettings.LOG_FORMAT,
  SHUTDOWN_TIMEOUT_MS: commonSettings.SHUTDOWN_TIMEOUT_MS,
  TRUSTED_PROXIES: commonSettings.TRUSTED_PROXIES,
  ALLOWED_ORIGINS: commonSettings.ALLOWED_ORIGINS,
  CORS_ALLOWED_ORIGINS: OriginsSetting(
    'comma-separated origins (scheme://host[:port]) whose pages may call the API from a browser; none by default (same-origin only)',
  ),
  REUSE_PORT: commonSettings.REUSE_PORT,
  ...upstreamUrls,
  AUTH_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2000, description: 'forward-auth sub-request' }),
  WEB_ROOT: Type.String({
    default: defaultWebRoot(),
    description: 'the web front end build served at / (default: web/dist of this repository)',
  }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 30_000,
    description: 'wait for upstream response headers, and between body chunks',
  }),
});

export type GatewayConfig = Static<typeof gatewayConfigSchema>;

/** The configured upstream base URLs by service; a service without one answers 404. */
export function upstreamsFromConfig(config: GatewayConfig): Partial<Record<ServiceName, string>> {
  return Object.fromEntries(
    SERVICE_NAMES.flatMap((name) => {
      const url = config[SERVICES[name].upstreamVariable];
      return url === undefined ? [] : [[name, url]];
    }),
  );
}
