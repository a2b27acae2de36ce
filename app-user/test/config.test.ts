import { createLogger, loadConfig } from '@adboard/kit';
import { describe, expect, it } from 'vitest';
import { userService } from '../src/app.js';

describe('app-user configuration', () => {
  const config = loadConfig(userService.configSchema, {
    SERVICE_SECRET: 'x'.repeat(32),
    AUTH_JWKS_URL: 'http://app-auth/.well-known/jwks.json',
  });

  it('refuses to start without a database, naming DATABASE_URL', async () => {
    await expect(userService.create(config, { logger: createLogger('app-user', 'silent') })).rejects.toThrow(
      'Invalid configuration: DATABASE_URL is required',
    );
  });

  it('names AUTH_JWKS_URL when it is missing', () => {
    expect(() => loadConfig(userService.configSchema, { SERVICE_SECRET: 'x'.repeat(32) })).toThrow(
      /AUTH_JWKS_URL is required/,
    );
  });
});
