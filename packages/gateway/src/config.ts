import { commonSettings, Type, UrlSetting, type Static } from '@adboard/kit';
import type { ServiceName } from './route-rules.js';

const upstreamUrl = (service: ServiceName) => Type.Optional(UrlSetting(`${service} base URL`));

export const gatewayConfigSchema = Type.Object({
  PORT: commonSettings.PORT,
  HOST: commonSettings.HOST,
  LOG_LEVEL: commonSettings.LOG_LEVEL,
  SHUTDOWN_TIMEOUT_MS: commonSettings.SHUTDOWN_TIMEOUT_MS,
  REUSE_PORT: commonSettings.REUSE_PORT,
  APP_USER_URL: upstreamUrl('app-user'),
  APP_AUTH_URL: upstreamUrl('app-auth'),
  APP_BILLING_URL: upstreamUrl('app-billing'),
  APP_BONUS_URL: upstreamUrl('app-bonus'),
  APP_ADV_URL: upstreamUrl('app-adv'),
  APP_NOTIFY_URL: upstreamUrl('app-notify'),
  AUTH_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2000, description: 'forward-auth sub-request' }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    default: 30_000,
    description: 'wait for upstream response headers, and between body chunks',
  }),
});

export type GatewayConfig = Static<typeof gatewayConfigSchema>;

/** The configured upstream base URLs by service; a service without one answers 404. */
export function upstreamsFromConfig(config: GatewayConfig): Partial<Record<ServiceName, string>> {
  const upstreams: Partial<Record<ServiceName, string>> = {
    'app-user': config.APP_USER_URL,
    'app-auth': config.APP_AUTH_URL,
    'app-billing': config.APP_BILLING_URL,
    'app-bonus': config.APP_BONUS_URL,
    'app-adv': config.APP_ADV_URL,
    'app-notify': config.APP_NOTIFY_URL,
  };
  return Object.fromEntries(Object.entries(upstreams).filter(([, url]) => url !== undefined));
}
