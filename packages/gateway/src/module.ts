import { listOf, type ServiceModule } from '@adboard/kit';
import { gatewayConfigSchema, upstreamsFromConfig } from './config.js';
import { createGatewayService } from './gateway.js';

/** The gateway as the launchers see it: configuration from the environment, no database or bus. */
export const gatewayModule: ServiceModule<typeof gatewayConfigSchema> = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  create: (config, { logger }) =>
    createGatewayService({
      upstreams: upstreamsFromConfig(config),
      logger,
      authTimeoutMs: config.AUTH_TIMEOUT_MS,
      upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
      trustedProxies: listOf(config.TRUSTED_PROXIES),
      allowedOrigins: listOf(config.ALLOWED_ORIGINS),
      corsOrigins: listOf(config.CORS_ALLOWED_ORIGINS),
      webRoot: config.WEB_ROOT,
    }),
};
