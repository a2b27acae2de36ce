import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../packages/gateway/src/config.js';
import { stackServices } from '../packages/stack/src/services.js';
import { distributedSettings, embeddedSettings } from '../packages/stack/src/settings.js';

/** Every setting a process reads is in the README's configuration tables, so nobody meets one only in the code. */
const tableRows = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('|'));
const schemas: Record<string, TObject> = {
  ...Object.fromEntries(stackServices.map(({ module }) => [module.name, module.configSchema])),
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
