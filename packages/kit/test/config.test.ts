import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyOf } from '../src/auth/keys.js';
import {
  commonSettings,
  ConfigError,
  loadConfig,
  serviceCalleeSettings,
  userTokenSettings,
  UrlSetting,
} from '../src/config.js';

const schema = Type.Object({
  ...commonSettings,
  ...userTokenSettings,
  ...serviceCalleeSettings,
  DATABASE_URL: UrlSetting('database'),
  FEATURE_LIMIT: Type.Integer({ minimum: 1, default: 5 }),
});
const env = {
  SERVICE_CALLER_KEYS: `app-adv:${publicKeyOf(generateSigningKey())}`,
  AUTH_JWKS_URL: 'http://app-auth/.well-known/jwks.json',
  DATABASE_URL: 'postgres://postgres@db/app_user',
};

describe('loadConfig', () => {
  it('converts types and applies defaults', () => {
    const config = loadConfig(schema, { ...env, PORT: '9000' });
    expect(config).toMatchObject({ PORT: 9000, HOST: '0.0.0.0', LOG_LEVEL: 'info', FEATURE_LIMIT: 5 });
  });

  it('names a missing variable', () => {
    const { DATABASE_URL: _, ...missing } = env;
    expect(() => loadConfig(schema, missing)).toThrow(/DATABASE_URL is required/);
  });

  it('names a malformed variable and its value', () => {
    expect(() => loadConfig(schema, { ...env, PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { ...env, PORT: 'eighty' })).toThrow(/PORT: .*"eighty"/);
    expect(() => loadConfig(schema, { ...env, SERVICE_CALLER_KEYS: 'app-adv:short' })).toThrow(
      /SERVICE_CALLER_KEYS/,
    );
    expect(() => loadConfig(schema, { ...env, DATABASE_URL: 'db:5432' })).toThrow(/DATABASE_URL/);
  });

  it('lists the choices of a setting that is one of several words', () => {
    expect(() => loadConfig(schema, { ...env, LOG_LEVEL: 'verbose' })).toThrow(
      'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    );
  });

  it('names each bad variable once', () => {
    expect(() => loadConfig(schema, {})).toThrow(
      'Invalid configuration: AUTH_JWKS_URL is required; SERVICE_CALLER_KEYS is required; DATABASE_URL is required',
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(schema, { ...env, LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });
});
