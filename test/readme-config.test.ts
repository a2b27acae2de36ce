import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { advConfigSchema } from '../app-adv/src/config.js';
import { authConfigSchema } from '../app-auth/src/config.js';
import { billingConfigSchema } from '../app-billing/src/config.js';
import { bonusConfigSchema } from '../app-bonus/src/config.js';
import { notifyConfigSchema } from '../app-notify/src/config.js';
import { userConfigSchema } from '../app-user/src/config.js';
import { gatewayConfigSchema } from '../packages/gateway/src/config.js';
import { distributedSettings, embeddedSettings } from '../packages/stack/src/settings.js';

/** Every setting a process reads is in the README's configuration tables, so nobody meets one only in the code. */
const tableRows = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('|'));
const schemas: Record<string, TObject> = {
  'app-user': userConfigSchema,
  'app-auth': authConfigSchema,
  'app-billing': billingConfigSchema,
  'app-bonus': bonusConfigSchema,
  'app-adv': advConfigSchema,
  'app-notify': notifyConfigSchema,
  gateway: gatewayConfigSchema,
  'npm start': embeddedSettings,
  'npm run start:distributed': distributedSettings,
};

describe("the README's configuration tables", () => {
  it.each(Object.entries(schemas))('name every setting of %s', (_, schema) => {
    const missing = Object.keys(schema.properties).filter(
      (name) => !tableRows.some((row) => row.includes(`\`${name}\``)),
    );
    expect(missing).toEqual([]);
  });
});
