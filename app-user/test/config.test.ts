import { createLogger, loadConfig } from '@adboard/kit';
import { testKeySettings } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { userService } from '../src/app.js';

describe('app-user configuration', () => {
  const config = loadConfig(userService.configSchema, {
    ...testKeySettings('app-user'),
    AUTH_JWKS_URL: 'http://app-auth/.well-known/jwks.json',
  });

  it('refuses to start without a database, naming DATABASE_URL', async () => {
    await expect(userService.create(config, { logger: createLogger('app-user', 'silent') })).rejects.toThrow(
      'Invalid configuration: DATABASE_URL is required',
    );
  });

  it('names AUTH_JWKS_URL when it is missing', () => {
    expect(() => loadConfig(userService.configSchema, testKeySettings('app-user'))).toThrow(
      /AUTH_JWKS_URL is required/,
    );
  });
});
