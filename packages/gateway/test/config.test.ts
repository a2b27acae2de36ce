import { ConfigError, loadConfig } from '@adboard/kit';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, upstreamsFromConfig } from '../src/index.js';

describe('gateway configuration', () => {
  it('has defaults for everything but the upstreams', () => {
    const config = loadConfig(gatewayConfigSchema, {});
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      AUTH_TIMEOUT_MS: 2000,
      UPSTREAM_TIMEOUT_MS: 30_000,
    });
    expect(upstreamsFromConfig(config)).toEqual({});
  });

  it('maps each APP_*_URL to its service', () => {
    const config = loadConfig(gatewayConfigSchema, {
      APP_USER_URL: 'http://app-user:8080',
      APP_AUTH_URL: 'http://app-auth:8080',
      APP_BILLING_URL: 'http://app-billing:8080',
      APP_BONUS_URL: 'http://app-bonus:8080',
      APP_ADV_URL: 'http://app-adv:8080',
      APP_NOTIFY_URL: 'http://app-notify:8080',
      PORT: '9000',
      AUTH_TIMEOUT_MS: '500',
    });
    expect(upstreamsFromConfig(config)).toEqual({
      'app-user': 'http://app-user:8080',
      'app-auth': 'http://app-auth:8080',
      'app-billing': 'http://app-billing:8080',
      'app-bonus': 'http://app-bonus:8080',
      'app-adv': 'http://app-adv:8080',
      'app-notify': 'http://app-notify:8080',
    });
    expect(config.PORT).toBe(9000);
    expect(config.AUTH_TIMEOUT_MS).toBe(500);
  });

  it('names the variable with a bad value', () => {
    expect(() => loadConfig(gatewayConfigSchema, { APP_USER_URL: 'app-user:8080' })).toThrow(ConfigError);
    expect(() => loadConfig(gatewayConfigSchema, { UPSTREAM_TIMEOUT_MS: '0' })).toThrow(
      /UPSTREAM_TIMEOUT_MS/,
    );
  });
});
